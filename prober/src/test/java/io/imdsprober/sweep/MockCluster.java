package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The fabric8 mock API server in CRUD mode (expectations answered first), on loopback only, with a
 * kubeconfig that names it and a record of every request the prober made (told apart from the fake
 * kubelet's by the prober's User-Agent). Lists are paged as the API server pages them ({@link
 * ListPaging}).
 */
public final class MockCluster implements AutoCloseable {
  public static final String PROBER_AGENT = "imds-prober/test";

  /** The User-Agent prefix of any prober build, tests or release. */
  public static final String ANY_PROBER = "imds-prober/";

  public final KubernetesMockServer server;

  /** The client of the test itself and of the fake kubelet. */
  public final KubernetesClient admin;

  private final List<RecordedRequest> proberRequests = new ArrayList<>();

  /** Requests that get a 503 instead of an answer, as an API server behind a failing link. */
  private volatile Predicate<RecordedRequest> failing = r -> false;

  /** Held so that the level sticks: the mock server logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  public MockCluster() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new Faults(
                new ListPaging(new EventFieldSelectors(new KubernetesMixedDispatcher(responses)))),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    admin = server.createClient();
  }

  /** Requests that get a 410 Gone instead (a watch resumed from a resourceVersion too old). */
  private volatile Predicate<RecordedRequest> expired = r -> false;

  /**
   * The next request that matches (one only) gets 410 Gone: "too old resource version".
   *
   * @return set once that answer was given
   */
  public java.util.concurrent.atomic.AtomicBoolean expireOnce(Predicate<RecordedRequest> requests) {
    java.util.concurrent.atomic.AtomicBoolean used =
        new java.util.concurrent.atomic.AtomicBoolean();
    expired = r -> requests.test(r) && used.compareAndSet(false, true);
    return used;
  }

  /** From now on, requests that match get a 503 (pass {@code r -> false} to heal). */
  public void fail(Predicate<RecordedRequest> requests) {
    failing = requests;
  }

  /** Answers the failing requests with a 503 Status; the rest as the mock does. */
  private final class Faults extends Dispatcher {
    private final Dispatcher mock;

    Faults(Dispatcher mock) {
      this.mock = mock;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (expired.test(request)) {
        return new MockResponse()
            .setResponseCode(410)
            .setBody(Serialization.asJson(status(410, "Expired", "too old resource version")));
      }
      if (failing.test(request)) {
        return new MockResponse()
            .setResponseCode(503)
            .setBody(
                Serialization.asJson(
                    status(503, "ServiceUnavailable", "injected by the test: link down")));
      }
      return mock.dispatch(request);
    }

    @Override
    public void shutdown() {
      mock.shutdown();
    }
  }

  /** The API server's URL. */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** A kubeconfig whose current context (and a second one, {@code other}) names this server. */
  public Path kubeconfig(Path dir) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
        - name: nowhere
          cluster:
            server: http://127.0.0.1:1
        contexts:
        - name: mock
          context: {cluster: mock, user: tester}
        - name: nowhere
          context: {cluster: nowhere, user: tester}
        current-context: mock
        users:
        - name: tester
          user: {token: not-a-secret}
        """
            .formatted(url()));
    return file;
  }

  /** A Status as the API server writes it for a failed request. */
  /** A NetworkPolicy that selects every pod of the namespace and allows no egress at all. */
  public static io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy denyEgress(
      String namespace) {
    return new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder()
        .withNewMetadata()
        .withName("deny-egress")
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .endPodSelector()
        .withPolicyTypes("Egress")
        .endSpec()
        .build();
  }

  public static Status status(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  /** From now on, creating a Job in {@code namespace} is answered with this error. */
  public void answerJobCreate(String namespace, int code, String reason, String message) {
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + namespace + "/jobs")
        .andReturn(code, status(code, reason, message))
        .always();
  }

  /** A Job with the prober's labels for {@code sweep}, as a crashed sweep would leave it. */
  public static Job probeJob(String namespace, String name, String sweep) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(ProbeJobs.ownLabels(sweep))
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("probe")
        .withImage("x")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  public void namespace(String name, Map<String, String> labels, Map<String, String> annotations) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .build())
        .create();
  }

  public void namespace(String name) {
    namespace(name, Map.of(), Map.of());
  }

  /**
   * The API server's discovery serves these resources of one group/version (the policy kinds of a
   * CNI or of the admin policy API), and no other group.
   *
   * @param resources plural to whether it is namespaced
   */
  public void serves(String groupVersion, Map<String, Boolean> resources) {
    serves(Map.of(groupVersion, resources));
  }

  /**
   * The same for several group/versions: one discovery holds them all; versions of one group are
   * listed in the order given, the first preferred.
   */
  public void serves(Map<String, Map<String, Boolean>> groups) {
    Map<String, List<io.fabric8.kubernetes.api.model.GroupVersionForDiscovery>> versions =
        new java.util.LinkedHashMap<>();
    groups.forEach(
        (groupVersion, resources) -> {
          String group = groupVersion.substring(0, groupVersion.indexOf('/'));
          versions
              .computeIfAbsent(group, g -> new ArrayList<>())
              .add(
                  new io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder()
                      .withGroupVersion(groupVersion)
                      .withVersion(groupVersion.substring(group.length() + 1))
                      .build());
          io.fabric8.kubernetes.api.model.APIResourceListBuilder list =
              new io.fabric8.kubernetes.api.model.APIResourceListBuilder()
                  .withGroupVersion(groupVersion);
          resources.forEach(
              (plural, namespaced) ->
                  list.addNewResource().withName(plural).withNamespaced(namespaced).endResource());
          server
              .expect()
              .get()
              .withPath("/apis/" + groupVersion)
              .andReturn(200, list.build())
              .always();
        });
    io.fabric8.kubernetes.api.model.APIGroupListBuilder all =
        new io.fabric8.kubernetes.api.model.APIGroupListBuilder();
    versions.forEach(
        (group, vs) ->
            all.addNewGroup()
                .withName(group)
                .withVersions(vs)
                .withPreferredVersion(vs.get(0))
                .endGroup());
    server.expect().get().withPath("/apis").andReturn(200, all.build()).always();
  }

  public void node(String name, String providerId, Map<String, String> labels) {
    admin
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withProviderID(providerId)
                .endSpec()
                .build())
        .create();
  }

  /** Every request the prober under test made since the last call, in arrival order. */
  public List<RecordedRequest> proberRequests() throws InterruptedException {
    return proberRequests(PROBER_AGENT);
  }

  /** Every request whose User-Agent starts with {@code agent}, since the last call. */
  public synchronized List<RecordedRequest> proberRequests(String agent)
      throws InterruptedException {
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      String ua = r.getHeader("User-Agent");
      if (ua != null && ua.startsWith(agent)) {
        proberRequests.add(r);
      }
    }
    List<RecordedRequest> out = List.copyOf(proberRequests);
    proberRequests.clear();
    return out;
  }

  @Override
  public void close() {
    admin.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // the mock's own shutdown can outwait its 10 s when a watch closed just before: its
      // WatchEventsListener waits up to 30 s for a write to the closed socket (a mock artifact;
      // each test has asserted what it tests by now)
      System.err.println("mock API server: " + e.getMessage());
    }
  }
}
