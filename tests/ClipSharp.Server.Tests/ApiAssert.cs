using System.Text.Json;

namespace ClipSharp.Server.Tests;

internal static class ApiAssert
{
    /// <summary>
    /// Posts an oversized body the way a careful client does, with <c>Expect: 100-continue</c>: the server refuses it
    /// from its headers, before any of it is sent. Without that, the server's 413 races the client still writing, and
    /// the client may see a broken pipe instead of the answer.
    /// </summary>
    public static Task<HttpResponseMessage> PostLarge(HttpClient http, string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The response has this status and an RFC 9457 problem body: <c>application/problem+json</c> with <c>type</c>,
    /// <c>title</c>, <c>status</c> (the same as the response's), a <c>detail</c>, and the stable <c>code</c>.
    /// </summary>
    public static async Task Error(HttpResponseMessage response, int status, string? code = null)
    {
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using JsonDocument body = JsonDocument.Parse(text);
            JsonElement problem = body.RootElement;
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("type").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
            Assert.Equal(status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
            string? actual = problem.GetProperty("code").GetString();
            Assert.False(string.IsNullOrWhiteSpace(actual));
            if (code is not null)
            {
                Assert.Equal(code, actual);
            }
        }
    }

    public static async Task<JsonDocument> Ok(HttpResponseMessage response)
    {
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text);
        }
    }
}
