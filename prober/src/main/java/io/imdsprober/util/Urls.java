package io.imdsprober.util;

import java.net.URI;
import java.net.URISyntaxException;

/** Checks the URLs the tool is given: http or https, with a host. */
public final class Urls {
  private Urls() {}

  /**
   * The URI of an http(s) URL with a host.
   *
   * @throws IllegalArgumentException naming the text when it is anything else
   */
  public static URI http(String text) {
    try {
      URI uri = new URI(text);
      if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException("'" + text + "' is not an http(s) URL with a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
    }
  }
}
