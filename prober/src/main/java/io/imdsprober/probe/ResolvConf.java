package io.imdsprober.probe;

import io.imdsprober.probe.ProbePlan.Endpoint;
import io.imdsprober.util.IpLiteral;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the pod's nameserver from resolv.conf, as the pod's own resolver would. */
final class ResolvConf {
  private ResolvConf() {}

  /**
   * The first {@code nameserver} line's address.
   *
   * @throws IOException when the file cannot be read
   */
  static Optional<Endpoint> firstNameserver(Path file) throws IOException {
    for (String line : Files.readAllLines(file)) {
      String[] words = line.trim().split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver")) {
        String host = words[1];
        int zone = host.indexOf('%');
        if (zone >= 0) {
          host = host.substring(0, zone);
        }
        if (IpLiteral.is(host)) {
          return Optional.of(new Endpoint(host, 53));
        }
      }
    }
    return Optional.empty();
  }
}
