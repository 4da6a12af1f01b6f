using System.Security.Cryptography.X509Certificates;
using Quell.Configuration;

namespace Quell.Security;

/// <summary>Loads the certificate Kestrel serves HTTPS with: a PEM certificate and key, or a PKCS#12 file.</summary>
public static class TlsCertificates
{
    public static X509Certificate2 Load(TlsConfig tls)
    {
        var password = tls.PasswordEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env) : null;
        if (!File.Exists(tls.CertificateFile))
        {
            throw new FileNotFoundException($"security.tls.certificate_file '{tls.CertificateFile}' does not exist", tls.CertificateFile);
        }

        if (tls.CertificateFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || tls.CertificateFile.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(tls.CertificateFile, password);
        }

        return password is null
            ? X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(tls.CertificateFile, password, tls.KeyFile);
    }
}
