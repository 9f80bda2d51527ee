using Microsoft.ML.OnnxRuntime;

namespace ClipSharp.Bench;

/// <summary>The ONNX Runtime peer: the exported image and text encoders in two sessions, CPU provider.</summary>
internal sealed class OrtClip : IDisposable
{
    private readonly InferenceSession _image;
    private readonly InferenceSession _text;
    private readonly RunOptions _run = new();

    public OrtClip(string imageOnnx, string textOnnx, int threads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        _image = new InferenceSession(imageOnnx, options);
        _text = new InferenceSession(textOnnx, options);
    }

    // pixels: [B, 3, 224, 224] -> [B, E]
    public float[] EncodeImage(float[] pixels, int batch)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, [batch, 3, 224, 224]);
        return Run(_image, "pixels", input);
    }

    // tokens: [B, 77] -> [B, E]
    public float[] EncodeText(long[] tokens, int batch)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(tokens, [batch, tokens.Length / batch]);
        return Run(_text, "tokens", input);
    }

    public void Dispose()
    {
        _image.Dispose();
        _text.Dispose();
        _run.Dispose();
    }

    private float[] Run(InferenceSession session, string inputName, OrtValue input)
    {
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(_run, [inputName], [input], ["features"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
