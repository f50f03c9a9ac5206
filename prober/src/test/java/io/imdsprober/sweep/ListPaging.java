package io.imdsprober.sweep;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pages list answers as the API server does ({@code limit} and {@code continue}), which the fabric8
 * CRUD mock ignores: the first request of a list takes the mock's whole answer as a snapshot and
 * gives {@code limit} items with a {@code continue} token; each next request gives the next items
 * of that snapshot, and the last page has no token. A request without {@code limit}, a watch and
 * any other method go to the mock as they are. The list's items are split without being parsed, so
 * that paging a list of large objects costs the test little.
 */
final class ListPaging extends Dispatcher {
  private record Snapshot(Map<String, Object> head, List<String> items) {}

  private final Dispatcher mock;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  ListPaging(Dispatcher mock) {
    this.mock = mock;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Map<String, String> query = query(request.getPath());
    if (!"GET".equals(request.getMethod())
        || "true".equals(query.get("watch"))
        || !query.containsKey("limit")) {
      return mock.dispatch(request);
    }
    int limit = Integer.parseInt(query.get("limit"));
    String token = query.get("continue");
    Snapshot s;
    int from;
    String id;
    if (token == null || token.isEmpty()) {
      MockResponse whole = mock.dispatch(request);
      if (whole.code() != 200) {
        return whole;
      }
      String text = whole.getBody().readUtf8();
      s = split(text);
      if (s == null) {
        return new MockResponse().setResponseCode(200).setBody(text);
      }
      from = 0;
      id = String.valueOf(ids.incrementAndGet());
      snapshots.put(id, s);
    } else {
      id = token.substring(0, token.indexOf(':'));
      from = Integer.parseInt(token.substring(token.indexOf(':') + 1));
      s = snapshots.get(id);
      if (s == null) {
        return new MockResponse()
            .setResponseCode(410)
            .setBody(
                Serialization.asJson(
                    MockCluster.status(410, "Expired", "the continue token has expired")));
      }
    }
    int to = Math.min(s.items().size(), from + limit);
    Map<String, Object> head = new LinkedHashMap<>(s.head());
    @SuppressWarnings("unchecked")
    Map<String, Object> meta =
        new LinkedHashMap<>((Map<String, Object>) head.getOrDefault("metadata", Map.of()));
    if (to < s.items().size()) {
      meta.put("continue", id + ":" + to);
    } else {
      meta.remove("continue");
      snapshots.remove(id);
    }
    head.put("metadata", meta);
    String json = Serialization.asJson(head);
    StringBuilder body = new StringBuilder(json.substring(0, json.lastIndexOf('}')));
    body.append(",\"items\":[").append(String.join(",", s.items().subList(from, to))).append("]}");
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }

  @Override
  public void shutdown() {
    mock.shutdown();
  }

  /** A list's fields but its items, and each item's JSON text; null when it is not a list. */
  @SuppressWarnings("unchecked")
  private static Snapshot split(String json) {
    List<String> items = new ArrayList<>();
    int depth = 0;
    boolean inString = false;
    int keyStart = -1;
    String lastKey = null;
    int itemsStart = -1;
    int itemsEnd = -1;
    int itemStart = -1;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
          if (depth == 1 && keyStart >= 0) {
            lastKey = json.substring(keyStart, i);
          }
        }
        continue;
      }
      switch (c) {
        case '"' -> {
          inString = true;
          keyStart = depth == 1 ? i + 1 : -1;
        }
        case '{', '[' -> {
          depth++;
          if (depth == 2 && c == '[' && "items".equals(lastKey)) {
            itemsStart = i;
          } else if (depth == 3 && itemsStart >= 0 && itemsEnd < 0) {
            itemStart = i;
          }
        }
        case '}', ']' -> {
          if (depth == 3 && itemsStart >= 0 && itemsEnd < 0) {
            items.add(json.substring(itemStart, i + 1));
          }
          if (depth == 2 && c == ']' && itemsStart >= 0 && itemsEnd < 0) {
            itemsEnd = i;
          }
          depth--;
        }
        default -> {}
      }
    }
    if (itemsStart < 0 || itemsEnd < 0) {
      return null;
    }
    String rest = json.substring(0, itemsStart + 1) + json.substring(itemsEnd);
    Map<String, Object> head = Serialization.unmarshal(rest, Map.class);
    head.remove("items");
    return new Snapshot(head, items);
  }

  private static Map<String, String> query(String path) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = path.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : path.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
