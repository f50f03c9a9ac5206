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
 * served by our Maven registry). POST, not PUT: metric names in the push replace their old series,
 * names not in it stay, so the last success timestamp of an earlier sweep survives a sweep that
 * could not judge every namespace.
 */
public final class Pushgateway {
  public static final String JOB = "imds-prober";
  private static final MediaType TEXT = MediaType.get(MetricsServer.CONTENT_TYPE);

  private final HttpUrl url;
  private final OkHttpClient http;

  /**
   * @param base the Pushgateway's URL, such as {@code http://pushgateway.monitoring:9091}
   * @throws IllegalArgumentException naming the URL when it is not http(s)
   */
  public Pushgateway(String base) {
    URI uri = Urls.http(base);
    HttpUrl parsed = HttpUrl.get(uri.toString());
    this.url =
        parsed
            .newBuilder()
            .addPathSegment("metrics")
            .addPathSegment("job")
            .addPathSegment(JOB)
            .build();
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
   * Pushes the text exposition.
   *
   * @throws ProberException naming the URL and what went wrong
   */
  public void push(String scrape) {
    Request request = new Request.Builder().url(url).post(RequestBody.create(scrape, TEXT)).build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        String body = response.body() == null ? "" : response.body().string();
        throw new ProberException(
            "Pushgateway " + url + " answered HTTP " + response.code() + ": " + body.strip());
      }
    } catch (IOException e) {
      throw new ProberException("cannot push to the Pushgateway " + url + ": " + e.getMessage(), e);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
