package io.imdsprober.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.policy.Coverage;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.ForeignPolicies;
import io.imdsprober.policy.Remediation;
import io.imdsprober.policy.Workloads;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.report.CoverageReport;
import io.imdsprober.sweep.ApiErrors;
import io.imdsprober.sweep.ClusterPolicies;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Targets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code policy}: which workloads may reach a metadata destination by NetworkPolicy, from manifest
 * files (offline, for CI) or the live cluster.
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Evaluate NetworkPolicies: which workloads may reach a metadata destination (from"
            + " manifests, or the live cluster).",
    footer = {
      "",
      "Exit codes: 0 no workload may reach a destination; 1 some may (or cannot be judged because"
          + " an invalid policy selects it); 3 bad input or nothing to evaluate."
    })
public final class PolicyCommand implements Callable<Integer> {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin CommonOptions common = new CommonOptions();

  @Option(
      names = "--manifests",
      paramLabel = "PATH",
      description = "YAML or JSON files or directories (repeatable); without it, the live cluster")
  List<Path> manifests;

  @Option(
      names = "--to",
      paramLabel = "IP[:PORT[/PROTO]]",
      description =
          "Destination (repeatable; default: the targets of metadata.profile when it names a"
              + " cloud, else every target of the metadata catalog, TCP)")
  List<String> to;

  @Option(
      names = "--fix",
      description =
          "Print, as a YAML List to apply, the NetworkPolicies that close every metadata"
              + " destination a workload may reach (new ones, and the allowing ones changed);"
              + " stderr says which workload, policy and rule each change is for")
  boolean fix;

  @Option(
      names = "--output",
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE})")
  String output;

  @Override
  public Integer call() {
    if (!output.equals("table") && !output.equals("json")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Invalid value for option '--output': '" + output + "' is not table|json");
    }
    common.applyLogFormat(spec);
    Config config;
    try {
      config = common.load(Map.of(), Map.of());
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("configuration error: " + e.getMessage());
      return SweepResult.EXIT_CONFIG;
    }
    List<Destination> destinations = new ArrayList<>();
    // set once the live cluster's nodes are read: an auto profile's destinations come from them
    boolean fromNodes = false;
    if (to == null || to.isEmpty()) {
      // a configured metadata.profile narrows the default to that cloud's targets (an AWS-correct
      // policy does not fail on Azure's addresses); auto, the default, asks about every cloud's
      // in manifests, and about the clouds the nodes name in the live cluster
      destinations.addAll(
          config.get(Keys.METADATA_PROFILE).map(Destinations::of).orElseGet(Destinations::catalog));
      fromNodes = manifests == null && config.get(Keys.METADATA_PROFILE).isEmpty();
    } else {
      for (String t : to) {
        try {
          destinations.add(Destinations.parse(t));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--to " + e.getMessage());
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<? extends HasMetadata> objects;
    ForeignPolicies foreign;
    Map<String, List<String>> undecided = Map.of();
    int skipped = 0;
    try {
      if (manifests != null) {
        ManifestFiles.Read read = ManifestFiles.read(manifests);
        read.skipped().forEach(line -> err.println("warning: skipped " + line));
        read.duplicates().forEach(line -> err.println("warning: duplicate: " + line));
        skipped = read.skipped().size();
        objects = read.objects();
        foreign =
            ForeignPolicies.of(
                objects.stream().filter(o -> !ClusterTiers.evaluated(o)).toList(), Set.of());
      } else {
        Live live = live(config);
        ClusterPolicies.Listing listing = live.listing();
        if (fromNodes) {
          NodeDestinations.Chosen chosen = NodeDestinations.of(live.nodes());
          destinations = new ArrayList<>(chosen.destinations());
          err.println("note: destinations: " + chosen.why());
        }
        objects = listing.objects();
        foreign = listing.foreign();
        undecided = listing.undecided();
      }
      Selected selected = selected(objects, foreign, config);
      if (!selected.left().isEmpty()) {
        err.println(
            "note: namespaces left out by namespaces.include/namespaces.exclude: "
                + String.join(", ", selected.left()));
      }
      objects = selected.objects();
      foreign = selected.foreign();
    } catch (ConfigException e) {
      err.println("configuration error: " + e.getMessage());
      return SweepResult.EXIT_CONFIG;
    }
    ClusterTiers tiers = ClusterTiers.of(objects);
    Coverage coverage = Coverage.of(objects, List.copyOf(destinations), tiers);
    if (coverage.workloads().isEmpty()) {
      err.println(
          "nothing to evaluate: no workload (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet,"
              + " Job, CronJob, ReplicationController) in "
              + (manifests != null ? manifests : "the cluster"));
      return SweepResult.EXIT_CONFIG;
    }
    for (Map.Entry<String, String> e : coverage.invalid().entrySet()) {
      err.println(
          "warning: "
              + (e.getKey().contains("/") && !e.getKey().contains(" ") ? "NetworkPolicy " : "")
              + io.imdsprober.report.Bounds.name(e.getKey())
              + " is invalid ("
              + io.imdsprober.report.Bounds.text(e.getValue())
              + "); a workload it selects is not judged");
    }
    for (String why : coverage.undecided()) {
      // object names and CIDR texts come from unvalidated manifests: cleaned and bounded
      err.println(
          "warning: undecided: "
              + io.imdsprober.report.Bounds.text(why)
              + "; a workload it selects is not judged");
    }
    for (String staged : tiers.reported()) {
      // Calico's staged kinds: what a policy would do once it is enforced, never the decision
      err.println("note: not enforced: " + io.imdsprober.report.Bounds.text(staged));
    }
    for (String kind : foreign.everywhere()) {
      err.println(
          "warning: incomplete: "
              + kind
              + " may act on every namespace; this prediction does not evaluate that kind");
    }
    for (Map.Entry<String, Set<String>> e : foreign.byNamespace().entrySet()) {
      err.println(
          "warning: incomplete: "
              + String.join(", ", e.getValue())
              + " in namespace "
              + e.getKey()
              + "; this prediction does not evaluate that kind");
    }
    for (Map.Entry<String, List<String>> e : undecided.entrySet()) {
      err.println(
          "warning: incomplete: namespace "
              + e.getKey()
              + " is not evaluated: "
              + String.join("; ", e.getValue()));
    }
    if (fix) {
      Remediation remediation = Remediation.of(objects, destinations);
      remediation.notes().forEach(n -> err.println("fix: " + n));
      out.print(
          SERIALIZATION.asYaml(
              new KubernetesListBuilder()
                  .withItems(new ArrayList<HasMetadata>(remediation.policies()))
                  .build()));
    } else {
      out.print(
          output.equals("json")
              ? CoverageReport.json(coverage, skipped)
              : CoverageReport.table(coverage));
    }
    out.flush();
    return coverage.anyReach() ? SweepResult.EXIT_EXPOSED : SweepResult.EXIT_OK;
  }

  /**
   * The objects and foreign kinds of the namespaces a sweep would select, and the others' names.
   */
  private record Selected(
      List<? extends HasMetadata> objects, ForeignPolicies foreign, Set<String> left) {}

  /**
   * Leaves out the namespaces {@code namespaces.include} and {@code namespaces.exclude} leave out
   * of sweeps (by default kube-system, kube-public, kube-node-lease): their objects (policies there
   * select only their own pods) and their foreign policy kinds. Cluster-scoped objects stay.
   */
  private static Selected selected(
      List<? extends HasMetadata> objects, ForeignPolicies foreign, Config config) {
    Set<String> left = new java.util.TreeSet<>();
    List<HasMetadata> kept = new ArrayList<>();
    for (HasMetadata o : objects) {
      String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
      String name;
      if (o instanceof io.fabric8.kubernetes.api.model.Namespace n) {
        name = n.getMetadata().getName();
      } else if (ns != null) {
        name = ns;
      } else {
        // a workload or NetworkPolicy without a namespace is in default; cluster kinds stay
        boolean namespaced =
            o instanceof io.fabric8.kubernetes.api.model.Pod
                || o instanceof io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy
                || Workloads.KINDS.contains(o.getKind());
        name = namespaced ? "default" : null;
      }
      if (name != null && !Targets.nameSelected(name, config)) {
        left.add(name);
      } else {
        kept.add(o);
      }
    }
    Map<String, Set<String>> byNamespace = new java.util.LinkedHashMap<>();
    foreign
        .byNamespace()
        .forEach(
            (ns, kinds) -> {
              if (Targets.nameSelected(ns, config)) {
                byNamespace.put(ns, kinds);
              } else {
                left.add(ns);
              }
            });
    return new Selected(kept, new ForeignPolicies(byNamespace, foreign.everywhere()), left);
  }

  /** Pods (page by page) and NetworkPolicies of the live cluster. */
  /** What the live cluster gave: the listing, and its nodes (null when they may not be listed). */
  private record Live(
      ClusterPolicies.Listing listing, List<io.fabric8.kubernetes.api.model.Node> nodes) {}

  private Live live(Config config) {
    try (KubernetesClient client =
        KubeConnection.connect(
            common.kubeconfig, common.context, config, CommonOptions.userAgent())) {
      String server = String.valueOf(client.getMasterUrl());
      ClusterPolicies.Listing listing;
      try {
        listing = ClusterPolicies.list(client, io.imdsprober.policy.PolicyWeight.Caps.of(config));
      } catch (KubernetesClientException e) {
        throw new ConfigException(
            ApiErrors.describe("list pods and network policies in all namespaces", server, e), e);
      }
      List<io.fabric8.kubernetes.api.model.Node> nodes;
      try {
        nodes = client.nodes().list().getItems();
      } catch (KubernetesClientException e) {
        nodes = null; // every cloud's destinations, said so
      }
      return new Live(listing, nodes);
    }
  }
}
