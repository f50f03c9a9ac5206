package io.imdsprober.cli;

import io.imdsprober.probe.ProbeOutput;
import io.imdsprober.probe.ProbePlan;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code probe}: the agent inside a probe pod. Gathers facts, prints them as one JSON line, writes
 * the same JSON to the termination message file, exits 0. Judges nothing. Every flag can also come
 * from an {@code IMDS_PROBE_*} environment variable, since the prober sets them in a pod spec.
 */
@Command(
    name = "probe",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run inside a probe pod: try the metadata endpoint(s), DNS and egress, print the facts as"
          + " JSON. Judges nothing.",
      "Sends packets to the metadata addresses: run it only where that is the point (a probe pod)."
    },
    footer = {
      "",
      "Every option can also be set by the environment variable in brackets.",
      "Exit codes: 0 facts printed (when the result file cannot be written, stderr says so and"
          + " the prober reads the JSON from the log); 3 bad flags (a usage error). The prober"
          + " judges facts only from an agent that exited 0."
    })
public final class ProbeCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--profile",
      paramLabel = "PROFILE",
      defaultValue = "${env:IMDS_PROBE_PROFILE:-generic}",
      description =
          "aws|gcp|azure|oci|alibaba|generic: default targets and the safe request"
              + " [IMDS_PROBE_PROFILE] (default: ${DEFAULT-VALUE})")
  String profile;

  @Option(
      names = "--metadata",
      paramLabel = "[tcp=]HOST:PORT",
      split = ",",
      defaultValue = "${env:IMDS_PROBE_METADATA}",
      description =
          "A metadata target, repeatable; IPv6 as [ADDR]:PORT; tcp= makes it TCP only"
              + " [IMDS_PROBE_METADATA, comma-separated] (default: the profile's targets)")
  List<String> metadata;

  @Option(
      names = "--imdsv2-token",
      paramLabel = "true|false",
      arity = "1",
      defaultValue = "${env:IMDS_PROBE_IMDSV2_TOKEN}",
      description =
          "Try the AWS IMDSv2 token request (TTL 1 s) on connected targets"
              + " [IMDS_PROBE_IMDSV2_TOKEN] (default: true for aws)")
  Boolean imdsv2Token;

  @Option(
      names = "--dns-name",
      paramLabel = "NAME",
      split = ",",
      defaultValue = "${env:IMDS_PROBE_DNS_NAME:-kubernetes.default.svc.cluster.local}",
      description =
          "A name to resolve, repeatable [IMDS_PROBE_DNS_NAME] (default: ${DEFAULT-VALUE})")
  List<String> dnsNames;

  @Option(
      names = "--dns-server",
      paramLabel = "IP[:PORT]",
      defaultValue = "${env:IMDS_PROBE_DNS_SERVER}",
      description =
          "The nameserver to ask [IMDS_PROBE_DNS_SERVER] (default: the first nameserver in"
              + " --resolv-conf)")
  String dnsServer;

  @Option(
      names = "--resolv-conf",
      paramLabel = "PATH",
      defaultValue = "${env:IMDS_PROBE_RESOLV_CONF:-/etc/resolv.conf}",
      description =
          "Where the pod's nameserver is read from [IMDS_PROBE_RESOLV_CONF] (default: ${DEFAULT-VALUE})")
  Path resolvConf;

  @Option(
      names = "--egress-url",
      paramLabel = "URL",
      split = ",",
      defaultValue = "${env:IMDS_PROBE_EGRESS_URL:-https://example.com/}",
      description =
          "An external URL to request, repeatable [IMDS_PROBE_EGRESS_URL] (default: ${DEFAULT-VALUE})")
  List<String> egressUrls;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      defaultValue = "${env:IMDS_PROBE_CONNECT_TIMEOUT:-3s}",
      description =
          "Bound of each connect, HTTP exchange, DNS lookup and egress call"
              + " [IMDS_PROBE_CONNECT_TIMEOUT] (default: ${DEFAULT-VALUE})")
  String connectTimeout;

  @Option(
      names = "--settle",
      paramLabel = "DURATION",
      defaultValue = "${env:IMDS_PROBE_SETTLE:-2s}",
      description =
          "Wait before re-trying a metadata target that accepted the connection"
              + " [IMDS_PROBE_SETTLE] (default: ${DEFAULT-VALUE})")
  String settle;

  @Option(
      names = "--retries",
      paramLabel = "N",
      defaultValue = "${env:IMDS_PROBE_RETRIES:-2}",
      description =
          "Re-tries of an open metadata target, 0-10 [IMDS_PROBE_RETRIES] (default: ${DEFAULT-VALUE})")
  String retries;

  @Option(
      names = "--result-file",
      paramLabel = "PATH",
      defaultValue = "${env:IMDS_PROBE_RESULT_FILE:-/dev/termination-log}",
      description =
          "Where to write the facts too; - for nowhere [IMDS_PROBE_RESULT_FILE] (default: ${DEFAULT-VALUE})")
  String resultFile;

  @Option(
      names = "--pod-name",
      paramLabel = "NAME",
      defaultValue = "${env:IMDS_PROBE_POD_NAME}",
      description = "This pod's name [IMDS_PROBE_POD_NAME] (default: $HOSTNAME)")
  String podName;

  @Option(
      names = "--node-name",
      paramLabel = "NAME",
      defaultValue = "${env:IMDS_PROBE_NODE_NAME}",
      description = "This node's name [IMDS_PROBE_NODE_NAME]")
  String nodeName;

  @Override
  public Integer call() {
    return ProbeLauncher.probe(plan(), new ProbeOutput(System.out));
  }

  /** Turns the flags into a plan; a bad flag is a usage error that names it. */
  ProbePlan plan() {
    ProbeFlags f = new ProbeFlags();
    f.profile = profile;
    f.metadata = metadata;
    f.imdsv2Token = imdsv2Token;
    f.dnsNames = dnsNames;
    f.dnsServer = dnsServer;
    f.resolvConf = resolvConf;
    f.egressUrls = egressUrls;
    f.connectTimeout = connectTimeout;
    f.settle = settle;
    f.retries = retries;
    f.resultFile = resultFile;
    f.podName = podName;
    f.nodeName = nodeName;
    try {
      return f.plan();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
