package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills one gap of the mock API server: a real API server selects events by {@code
 * involvedObject.name}, the mock's CRUD mode only by {@code metadata.*} (it answers nothing). This
 * dispatcher lists the namespace's events without that selector and keeps the matching ones, as the
 * real server would; every other request goes to the mock unchanged.
 */
final class EventFieldSelectors extends Dispatcher {
  private static final Pattern EVENTS =
      Pattern.compile(
          "(/api/v1/namespaces/[^/?]+/events)\\?(.*&)?fieldSelector=involvedObject\\.name%3D([^&]+)(&.*)?");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final Dispatcher mock;

  EventFieldSelectors(Dispatcher mock) {
    this.mock = mock;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Matcher m = EVENTS.matcher(request.getPath());
    if (!"GET".equals(request.getMethod()) || !m.matches()) {
      return mock.dispatch(request);
    }
    String name = URLDecoder.decode(m.group(3), StandardCharsets.UTF_8);
    RecordedRequest all =
        new RecordedRequest(
            request.getHttpVersion(),
            request.method(),
            m.group(1),
            request.getHeaders(),
            request.getBody());
    MockResponse response = mock.dispatch(all);
    if (response.code() != 200) {
      return response;
    }
    EventList list = JSON.unmarshal(response.getBody().readUtf8(), EventList.class);
    list.getItems()
        .removeIf(
            e -> e.getInvolvedObject() == null || !name.equals(e.getInvolvedObject().getName()));
    return response.setBody(JSON.asJson(list));
  }

  @Override
  public void shutdown() {
    mock.shutdown();
  }
}
