using System.CommandLine;
using System.Globalization;
using ClipSharp.Applications;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip ask IMAGE "question" --choices a,b,c</c>: multiple-choice visual question answering.</summary>
internal static class AskCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var choices = new Option<string>("--choices", "-c") { Description = "Comma-separated answers to choose from.", Required = true };
        var template = new Option<string>("--template")
        {
            Description = "How a question and an answer make a prompt; {question} and {answer} are replaced.",
            DefaultValueFactory = _ => MultipleChoiceQuestion.DefaultTemplate,
        };
        var json = new Option<bool>("--json") { Description = "One JSON line on stdout instead of a table." };
        var image = new Option<string?>("--image", "-i") { Description = "The image the question is about." };
        // Older versions took the image as the first of two arguments: "ask IMAGE QUESTION" still works.
        var question = new Argument<string[]>("question") { Description = "The question.", Arity = new ArgumentArity(1, 2) };
        var command = new Command("ask", "Answer a multiple-choice question about an image; prints each answer's probability.")
        {
            choices, template, json, image, question,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string[] answers = [.. parsed.GetValue(choices)!.Split(',').Select(c => c.Trim()).Where(c => c.Length > 0)];
            string[] positional = parsed.GetValue(question)!;
            string? imagePath = parsed.GetValue(image) ?? (positional.Length == 2 ? positional[0] : null);
            if (imagePath is null || (positional.Length == 2 && parsed.GetValue(image) is not null))
            {
                throw new CliException("give the image with -i FILE and one question.");
            }

            string q = positional[^1];
            string t = parsed.GetValue(template)!;
            try
            {
                MultipleChoiceQuestion.Prompts(q, answers, t);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--choices/--template: {e.Message.Split(" (Parameter", 2)[0]}", e);
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            float[] embedding = SearchCommand.EmbedImage(clip, imagePath);
            IReadOnlyList<ChoiceScore> scores = MultipleChoiceQuestion.Answer(clip, embedding, q, answers, t);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("image", imagePath);
                    w.WriteString("question", q);
                    w.WriteString("answer", scores[0].Answer);
                    w.WriteStartArray("choices");
                    foreach (ChoiceScore s in scores)
                    {
                        w.WriteStartObject();
                        w.WriteString("answer", s.Answer);
                        w.WriteString("prompt", s.Prompt);
                        w.WriteNumber("probability", s.Probability);
                        w.WriteNumber("cosine", s.Cosine);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                var table = new Table().AddColumn("answer").AddColumn(new TableColumn("probability").RightAligned());
                foreach (ChoiceScore s in scores)
                {
                    table.AddRow(Markup.Escape(s.Answer), s.Probability.ToString("P1", CultureInfo.InvariantCulture));
                }

                context.Ui.Write(table);
            }

            return ClipCli.ExitOk;
        });
        return command;
    }
}
