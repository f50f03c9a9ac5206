package io.imdsprober.ship;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Grafana dashboard's panel queries, with its variables filled in as Grafana would. */
public final class DashboardQueries {
  static final Path DASHBOARD = Manifests.ROOT.resolve("grafana/imds-prober.json");

  private DashboardQueries() {}

  /** Every panel query as written, by "panel title / refId", variables left in. */
  @SuppressWarnings("unchecked")
  public static Map<String, String> raw() throws Exception {
    Map<String, Object> dash =
        Manifests.SERIALIZATION.unmarshal(Files.readString(DASHBOARD), Map.class);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> panel : (List<Map<String, Object>>) dash.get("panels")) {
      for (Map<String, Object> t : (List<Map<String, Object>>) panel.get("targets")) {
        out.put(panel.get("title") + " / " + t.get("refId"), (String) t.get("expr"));
      }
    }
    return out;
  }

  /**
   * Every panel query, by "panel title / refId"; $cluster and $namespace are all (".*", which also
   * matches series without the label), intervals are 5m.
   */
  public static Map<String, String> all() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    raw()
        .forEach(
            (title, expr) ->
                out.put(
                    title,
                    expr.replace("$namespace", ".*")
                        .replace("$cluster", ".*")
                        .replace("$__rate_interval", "5m")
                        .replace("$__range", "1h")));
    return out;
  }
}
