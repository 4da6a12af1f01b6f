using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Quell.Configuration;
using Quell.Security;
using Quell.Server;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>Kestrel serves HTTPS from a configured PEM certificate and key.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Serve_WithPemCertificate_AnswersOverHttps()
    {
        var dir = TempDirectory.Create();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certFile = Path.Combine(dir, "quell.crt");
        var keyFile = Path.Combine(dir, "quell.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        var adminKey = ApiKeySecret.New();
        var app = QuellServer.Build(new QuellServerOptions
        {
            Urls = "https://127.0.0.1:0",
            DataDirectory = dir,
            AdminKey = adminKey,
            Config = new QuellConfig { Security = new SecurityConfig { Tls = new TlsConfig { CertificateFile = certFile, KeyFile = keyFile } } },
        });
        await app.StartAsync();
        try
        {
            X509Certificate2? seen = null;
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => (seen = cert is null ? null : new X509Certificate2(cert)) is not null && cert!.Thumbprint == certificate.Thumbprint };
            using var client = new HttpClient(handler) { BaseAddress = app.BoundAddress() };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);

            var response = await client.GetAsync("/api/v1/incidents");

            Assert.Equal("https", app.BoundAddress().Scheme);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(certificate.Thumbprint, seen?.Thumbprint);
            Assert.True(response.Headers.Contains("Strict-Transport-Security"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
