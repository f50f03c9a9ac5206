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

  /** Every panel query, by "panel title / refId"; $namespace is all, intervals are 5m. */
  @SuppressWarnings("unchecked")
  public static Map<String, String> all() throws Exception {
    Map<String, Object> dash =
        Manifests.SERIALIZATION.unmarshal(Files.readString(DASHBOARD), Map.class);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> panel : (List<Map<String, Object>>) dash.get("panels")) {
      for (Map<String, Object> t : (List<Map<String, Object>>) panel.get("targets")) {
        String expr =
            ((String) t.get("expr"))
                .replace("$namespace", ".*")
                .replace("$__rate_interval", "5m")
                .replace("$__range", "1h");
        out.put(panel.get("title") + " / " + t.get("refId"), expr);
      }
    }
    return out;
  }
}
