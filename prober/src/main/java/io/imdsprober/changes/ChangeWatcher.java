package io.imdsprober.changes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.imdsprober.policy.PolicyWeight;
import io.imdsprober.sweep.ClusterPolicies;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes that call for a re-probe between scheduled sweeps: one cluster-wide informer for
 * NetworkPolicies (created, spec changed, deleted: its namespace), one for namespaces (a new one; a
 * change of its labels or of an {@code imds-prober.io/*} annotation; a deleted one is {@code
 * gone}), and one per evaluated policy kind the API server serves ({@link PolicyKindWatch}).
 * Objects of the informers' first list are not changes (their UIDs are set aside once the informer
 * has synced; an "added" before that is the first list's). fabric8's informers re-list and re-watch
 * after a dropped watch and tell what changed meanwhile, so a drop loses nothing.
 *
 * <p>Weight is bounded (DESIGN.md): the policy informer lists a few policies per page ({@link
 * ClusterPolicies#POLICY_PAGE}) and holds each trimmed to what the evaluator reads, or, over a
 * per-policy cap, as a stub without its peers ({@link PolicyWeight#trim}); a change counts when the
 * trimmed spec changes. The namespace informer lists in pages too.
 */
public final class ChangeWatcher implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ChangeWatcher.class);

  /** Runs the policy kinds' discovery, off the caller's thread (an API server may be slow). */
  private static final java.util.concurrent.Executor STARTER =
      java.util.concurrent.Executors.newCachedThreadPool(
          io.imdsprober.util.Threads.daemon("imds-policy-kinds"));

  /** Namespaces per list call (a namespace is small; thousands of them are not). */
  static final long NAMESPACE_PAGE = 500;

  private final KubernetesClient client;
  private final PolicyWeight.Caps caps;
  private final Clock clock;
  private final BiConsumer<String, Instant> changed;
  private final Consumer<String> gone;
  private volatile Set<String> firstPolicies;
  private volatile Set<String> firstNamespaces;
  private SharedIndexInformer<NetworkPolicy> policies;
  private SharedIndexInformer<Namespace> namespaces;
  private PolicyKindWatch kinds;
  private CompletableFuture<Void> synced = new CompletableFuture<>();

  /**
   * @param changed told a namespace to re-probe and when the change was seen
   * @param gone told a namespace that was deleted
   * @param caps the weight caps, for the policies held
   */
  public ChangeWatcher(
      KubernetesClient client,
      Clock clock,
      BiConsumer<String, Instant> changed,
      Consumer<String> gone,
      PolicyWeight.Caps caps) {
    this.client = client;
    this.caps = caps;
    this.clock = clock;
    this.changed = changed;
    this.gone = gone;
  }

  /**
   * Starts both informers (each lists once, then watches) without waiting for them: an API server
   * that does not answer at start (or later) is retried with the client's backoff, one log line per
   * attempt, and never stops serve; changes count from each informer's first successful list.
   */
  public void start() {
    policies =
        client
            .network()
            .v1()
            .networkPolicies()
            .inAnyNamespace()
            .withLimit(ClusterPolicies.POLICY_PAGE)
            .runnableInformer(0);
    policies.itemStore(new TrimmingStore(caps));
    policies.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(NetworkPolicy p) {
            if (isNew(p, firstPolicies)) {
              seen(p.getMetadata().getNamespace(), "NetworkPolicy " + name(p) + " created");
            }
          }

          @Override
          public void onUpdate(NetworkPolicy before, NetworkPolicy after) {
            // before is held trimmed, after is as it came: compare what the evaluator reads
            if (!PolicyWeight.sameReading(before, after, caps)) {
              seen(after.getMetadata().getNamespace(), "NetworkPolicy " + name(after) + " changed");
            }
          }

          @Override
          public void onDelete(NetworkPolicy p, boolean unknownFinalState) {
            seen(p.getMetadata().getNamespace(), "NetworkPolicy " + name(p) + " deleted");
          }
        });
    namespaces = client.namespaces().withLimit(NAMESPACE_PAGE).runnableInformer(0);
    namespaces.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Namespace n) {
            if (isNew(n, firstNamespaces)) {
              seen(n.getMetadata().getName(), "namespace created");
            }
          }

          @Override
          public void onUpdate(Namespace before, Namespace after) {
            if (!ours(before).equals(ours(after))
                || !Objects.equals(
                    before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
              seen(after.getMetadata().getName(), "namespace labels or annotations changed");
            }
          }

          @Override
          public void onDelete(Namespace n, boolean unknownFinalState) {
            gone.accept(n.getMetadata().getName());
          }
        });
    policies.exceptionHandler((started, e) -> true);
    namespaces.exceptionHandler((started, e) -> true);
    CompletableFuture<Void> policiesSynced =
        policies.start().thenRun(() -> firstPolicies = uids(policies)).toCompletableFuture();
    CompletableFuture<Void> namespacesSynced =
        namespaces.start().thenRun(() -> firstNamespaces = uids(namespaces)).toCompletableFuture();
    kinds = new PolicyKindWatch(client, this::seen, this::namespaces);
    CompletableFuture<Void> kindsSynced =
        CompletableFuture.supplyAsync(kinds::start, STARTER).thenCompose(f -> f);
    synced = CompletableFuture.allOf(policiesSynced, namespacesSynced, kindsSynced);
    synced.thenRun(
        () ->
            logger.info(
                "watching NetworkPolicies, namespaces and the evaluated policy kinds served: a"
                    + " change re-probes the namespaces it may act on"));
  }

  /** Every namespace as the informer holds it, or null before its first list. */
  public List<Namespace> namespaces() {
    return firstNamespaces == null ? null : namespaces.getStore().list();
  }

  /**
   * The NetworkPolicies of these namespaces as the informer holds them, or null before its list.
   */
  public List<NetworkPolicy> policies(Set<String> in) {
    if (firstPolicies == null) {
      return null;
    }
    List<NetworkPolicy> out = new ArrayList<>();
    for (String ns : in) {
      out.addAll(policies.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns));
    }
    return out;
  }

  /** Completes once both informers have listed (from then on, what they see is a change). */
  public CompletableFuture<Void> synced() {
    return synced;
  }

  private void seen(String namespace, String what) {
    if (namespace == null) {
      return;
    }
    logger.debug("{}: {}: re-probe", namespace, what);
    changed.accept(namespace, clock.instant());
  }

  /** Not of the informer's first list (which also says "added"). */
  private static boolean isNew(HasMetadata o, Set<String> first) {
    return first != null && !first.contains(o.getMetadata().getUid());
  }

  /** The UIDs in an informer's store once it has synced (its start completes then). */
  private static Set<String> uids(SharedIndexInformer<? extends HasMetadata> informer) {
    Set<String> out = new HashSet<>();
    informer.getStore().list().forEach(o -> out.add(o.getMetadata().getUid()));
    return out;
  }

  private static String name(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** The namespace's {@code imds-prober.io/*} annotations. */
  static Map<String, String> ours(Namespace n) {
    Map<String, String> out = new TreeMap<>();
    Map<String, String> a = n.getMetadata().getAnnotations();
    if (a != null) {
      a.forEach(
          (k, v) -> {
            if (k.startsWith("imds-prober.io/")) {
              out.put(k, v);
            }
          });
    }
    return out;
  }

  /** The informer's store, holding each policy as {@link PolicyWeight#trim} makes it. */
  static final class TrimmingStore extends BasicItemStore<NetworkPolicy> {
    private final PolicyWeight.Caps caps;

    TrimmingStore(PolicyWeight.Caps caps) {
      super(Cache::metaNamespaceKeyFunc);
      this.caps = caps;
    }

    @Override
    public NetworkPolicy put(String key, NetworkPolicy obj) {
      return super.put(key, PolicyWeight.trim(obj, caps));
    }
  }

  @Override
  public void close() {
    if (kinds != null) {
      kinds.close();
    }
    if (policies != null) {
      policies.stop();
    }
    if (namespaces != null) {
      namespaces.stop();
    }
  }
}
