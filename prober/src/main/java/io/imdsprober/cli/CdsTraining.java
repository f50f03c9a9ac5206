package io.imdsprober.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The training run that makes the probe's CDS archive at image build: the agent's whole path, TLS
 * handshake included, against a loopback HTTPS host this process serves itself (nothing leaves
 * loopback; the metadata target is a closed loopback port, the nameserver 127.0.0.1). Without the
 * handshake in training, about 1,100 TLS classes load from the jar and the JDK at every probe
 * (bench/README.md, "Probe cost").
 *
 * <p>{@code java -XX:ArchiveClassesAtExit=probe.jsa @probe-training.options -cp imds-prober.jar
 * io.imdsprober.cli.CdsTraining KEYSTORE PASSWORD}: KEYSTORE is a PKCS12 key and certificate for
 * {@code localhost} (keytool makes one at build time). The agent trusts the JDK's CA certificates
 * plus that one, loaded as a probe loads its trust store. Exit 0 when the agent reached the host
 * over verified TLS; otherwise exit 1, so a build never ships an archive of a broken path.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: CdsTraining KEYSTORE PASSWORD");
      System.exit(3);
    }
    // The agent resolves an egress name as absolute ("localhost."), which no hosts file of the
    // system answers: the JDK's own hosts-file resolver does, so the lookup path is trained with
    // no DNS server and no network. The DNS check reads this resolv.conf, as in a pod.
    Path hosts = Files.createTempFile("imds-prober-training", ".hosts");
    Files.writeString(hosts, "127.0.0.1 localhost.\n", StandardCharsets.US_ASCII);
    System.setProperty("jdk.net.hosts.file", hosts.toString());
    Path resolvConf = Files.createTempFile("imds-prober-training", ".resolv.conf");
    Files.writeString(resolvConf, "nameserver 127.0.0.1\n", StandardCharsets.US_ASCII);
    char[] password = args[1].toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      keys.load(in, password);
    }
    Path trust = trustStore(keys);
    System.setProperty("javax.net.ssl.trustStore", trust.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "training");
    try (SSLServerSocket server = server(keys, password)) {
      Thread host = new Thread(() -> serve(server), "training-https");
      host.setDaemon(true);
      host.start();
      String[] probe = {
        "probe",
        "--metadata",
        "127.0.0.1:9",
        "--resolv-conf",
        resolvConf.toString(),
        "--egress-url",
        "https://localhost:" + server.getLocalPort() + "/",
        "--connect-timeout",
        "2s",
        "--settle",
        "0s",
        "--result-file",
        "-"
      };
      java.io.ByteArrayOutputStream facts = new java.io.ByteArrayOutputStream();
      java.io.PrintStream stdout = System.out;
      System.setOut(new java.io.PrintStream(facts, true, StandardCharsets.UTF_8));
      Integer exit;
      try {
        // the pods' main class (java -jar) is Launcher, which hands probe to ProbeLauncher
        Class.forName(Launcher.class.getName());
        exit = ProbeLauncher.run(probe, Map.of());
      } finally {
        System.setOut(stdout);
      }
      String json = facts.toString(StandardCharsets.UTF_8);
      boolean reached =
          json.contains("\"egress\":[{") && json.contains("\"result\":\"ok\",\"http\":204");
      System.err.println("CDS training: " + (reached ? "ok" : "FAILED") + ": " + json.strip());
      Files.deleteIfExists(trust);
      Files.deleteIfExists(hosts);
      Files.deleteIfExists(resolvConf);
      System.exit(exit != null && exit == 0 && reached ? 0 : 1);
    }
  }

  /** The JDK's default CA certificates plus the training host's, in a temporary PKCS12 file. */
  private static Path trustStore(KeyStore keys) throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
    if (Files.isReadable(cacerts)) {
      KeyStore jdk = KeyStore.getInstance(cacerts.toFile(), (char[]) null);
      for (String alias : java.util.Collections.list(jdk.aliases())) {
        trust.setCertificateEntry(alias, jdk.getCertificate(alias));
      }
    }
    String alias = keys.aliases().nextElement();
    Certificate cert = keys.getCertificate(alias);
    trust.setCertificateEntry("imds-prober-training", cert);
    Path file = Files.createTempFile("imds-prober-training", ".p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      trust.store(out, "training".toCharArray());
    }
    return file;
  }

  private static SSLServerSocket server(KeyStore keys, char[] password)
      throws IOException, GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return (SSLServerSocket)
        context.getServerSocketFactory().createServerSocket(0, 4, InetAddress.getLoopbackAddress());
  }

  /** Answers every request 204, then closes: all the agent needs to see. */
  private static void serve(SSLServerSocket server) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        byte[] head = new byte[4096];
        int n = 0;
        while (n < head.length) {
          int r = in.read(head, n, head.length - n);
          if (r < 0) {
            break;
          }
          n += r;
          if (new String(head, 0, n, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            break;
          }
        }
        s.getOutputStream()
            .write(
                "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        // the next connection, if any
      }
    }
  }
}
