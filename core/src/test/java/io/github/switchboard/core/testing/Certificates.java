package io.github.switchboard.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl at test time. */
final class Certificates {
  private Certificates() {}

  /** Writes cert.pem and key.pem into dir. */
  static Path generate(Path dir) {
    Path openssl =
        LocalRuntime.onPath("openssl")
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "The TLS test server needs openssl to generate its certificate: install it"
                            + " (Debian/Ubuntu: apt-get install openssl; macOS: brew install openssl)"));
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    String out =
        LocalRuntime.run(
            List.of(
                openssl.toString(),
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString()),
            60);
    if (!Files.isRegularFile(cert) || !Files.isRegularFile(key)) {
      throw new IllegalStateException("openssl did not write the certificate: " + out);
    }
    return cert;
  }

  /** An SSL context that trusts exactly this certificate. */
  static SSLContext trusting(Path certPem) {
    try (InputStream in = Files.newInputStream(certPem)) {
      Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("switchboard-harness", c);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the generated certificate " + certPem, e);
    }
  }
}
