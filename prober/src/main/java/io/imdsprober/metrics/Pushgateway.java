package io.imdsprober.metrics;

import io.imdsprober.ProberException;
import io.imdsprober.util.Urls;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Pushes a scrape to a Prometheus Pushgateway, for {@code sweep --once} in a CronJob. The
 * Pushgateway's API is one HTTP request, made with OkHttp (the Prometheus client's pusher is not
 * served by our Maven registry). Each push replaces the prober's whole group (PUT), so the series
 * of a namespace that is gone do not linger; the last success timestamp lives in a group of its own
 * ({@code job="imds-prober", group="last-success"}), pushed only by a sweep that judged every
 * namespace, so it survives a partial sweep. With a cluster name (key {@code cluster.name}) both
 * groups carry it in their key as {@code cluster}.
 */
public final class Pushgateway {
  public static final String JOB = "imds-prober";

  /** The metric that lives in its own group. */
  static final String LAST_SUCCESS = "imds_prober_last_success_timestamp_seconds";

  private static final MediaType TEXT = MediaType.get(MetricsServer.CONTENT_TYPE);

  private final HttpUrl url;
  private final OkHttpClient http;

  /**
   * @param base the Pushgateway's URL, such as {@code http://pushgateway.monitoring:9091}
   * @throws IllegalArgumentException naming the URL when it is not http(s)
   */
  public Pushgateway(String base) {
    this(base, "");
  }

  /**
   * @param base the Pushgateway's URL, such as {@code http://pushgateway.monitoring:9091}
   * @param cluster the cluster's name (key {@code cluster.name}, checked there), added to the
   *     grouping key as {@code cluster} so that the probers of a fleet do not replace each other's
   *     group; empty: no cluster in the key
   * @throws IllegalArgumentException naming the URL when it is not http(s)
   */
  public Pushgateway(String base, String cluster) {
    URI uri = Urls.http(base);
    HttpUrl parsed = HttpUrl.get(uri.toString());
    HttpUrl.Builder group =
        parsed.newBuilder().addPathSegment("metrics").addPathSegment("job").addPathSegment(JOB);
    if (!cluster.isEmpty()) {
      group.addPathSegment("cluster").addPathSegment(cluster);
    }
    this.url = group.build();
    this.http =
        new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(30))
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .build();
  }

  /** The URL pushes go to. */
  public HttpUrl url() {
    return url;
  }

  /**
   * Pushes the text exposition: the whole group is replaced; the last success timestamp, when the
   * scrape has it, goes to its own group.
   *
   * @throws ProberException naming the URL and what went wrong
   */
  public void push(String scrape) {
    StringBuilder main = new StringBuilder();
    StringBuilder success = new StringBuilder();
    for (String line : scrape.split("\n")) {
      boolean ofSuccess =
          line.startsWith(LAST_SUCCESS)
              || line.startsWith("# HELP " + LAST_SUCCESS + " ")
              || line.startsWith("# TYPE " + LAST_SUCCESS + " ");
      (ofSuccess ? success : main).append(line).append('\n');
    }
    try {
      put(url, main.toString());
      if (success.length() > 0) {
        put(successGroup(), success.toString());
      }
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /** The group of the last success timestamp. */
  HttpUrl successGroup() {
    return url.newBuilder().addPathSegment("group").addPathSegment("last-success").build();
  }

  private void put(HttpUrl to, String body) {
    Request request = new Request.Builder().url(to).put(RequestBody.create(body, TEXT)).build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        String text = response.body() == null ? "" : response.body().string();
        throw new ProberException(
            "Pushgateway " + to + " answered HTTP " + response.code() + ": " + text.strip());
      }
    } catch (IOException e) {
      throw new ProberException("cannot push to the Pushgateway " + to + ": " + e.getMessage(), e);
    }
  }
}
