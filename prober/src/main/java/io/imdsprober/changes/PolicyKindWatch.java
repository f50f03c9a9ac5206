package io.imdsprober.changes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.ForeignPolicies.Kind;
import io.imdsprober.sweep.ClusterPolicies;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the policy kinds the chain evaluates (AdminNetworkPolicy and its kin, Calico's and
 * Cilium's kinds) where the API server serves them and the prober may watch them (the optional
 * {@code policy-kinds} RBAC component): a namespaced object's change re-probes its namespace; a
 * cluster-wide object's change re-probes the namespaces it may act on ({@link PolicyScope}, before
 * and after the change), every namespace where that cannot be narrowed. A kind the prober may not
 * watch is left to the scheduled sweeps (one log line): the sweep names it "not listable". Each
 * object is held as its name and a digest of its spec, so a tenant's large policy costs a few bytes
 * here.
 */
final class PolicyKindWatch implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(PolicyKindWatch.class);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final KubernetesClient client;
  private final BiConsumer<String, String> seen;
  private final Supplier<List<Namespace>> namespaces;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private final Set<String> first = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean synced;

  /**
   * @param seen told a namespace to re-probe and what changed
   * @param namespaces the namespaces known (null before their first list)
   */
  PolicyKindWatch(
      KubernetesClient client,
      BiConsumer<String, String> seen,
      Supplier<List<Namespace>> namespaces) {
    this.client = client;
    this.seen = seen;
    this.namespaces = namespaces;
  }

  /** Discovers the kinds served and starts one informer per evaluated kind; never throws. */
  CompletableFuture<Void> start() {
    Map<Kind, String> served;
    try {
      served = ClusterPolicies.served(client);
    } catch (KubernetesClientException e) {
      logger.warn(
          "policy kinds not discovered ({}): their changes are seen at the next sweep",
          e.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (Map.Entry<Kind, String> e : served.entrySet()) {
      if (ClusterPolicies.evaluated(e.getKey(), e.getValue())) {
        started.add(watch(e.getKey(), e.getValue()));
      }
    }
    return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              informers.forEach(i -> i.getStore().list().forEach(o -> first.add(uid(o))));
              synced = true;
            });
  }

  private CompletableFuture<Void> watch(Kind k, String groupVersion) {
    var resource = client.genericKubernetesResources(ClusterPolicies.context(k, groupVersion));
    SharedIndexInformer<GenericKubernetesResource> informer =
        (k.namespaced() ? resource.inAnyNamespace() : resource)
            .withLimit(ClusterPolicies.POLICY_PAGE)
            .runnableInformer(0);
    informer.itemStore(new DigestStore());
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource o) {
            if (synced && !first.contains(uid(o))) {
              changed(null, o, "created");
            }
          }

          @Override
          public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
            if (!Objects.equals(digest(before), digest(after))) {
              changed(before, after, "changed");
            }
          }

          @Override
          public void onDelete(GenericKubernetesResource o, boolean unknownFinalState) {
            changed(o, null, "deleted");
          }
        });
    informer.exceptionHandler(
        (started, e) -> {
          if (e instanceof KubernetesClientException refused && refused.getCode() == 403) {
            logger.warn(
                "{} not watchable (the policy-kinds RBAC component grants it): its changes are"
                    + " seen at the next sweep",
                k.display());
            return false;
          }
          return true;
        });
    informers.add(informer);
    return informer
        .start()
        .toCompletableFuture()
        .thenApply(x -> (Void) null)
        .exceptionally(e -> null);
  }

  /**
   * A change: its namespace, or for a cluster-wide object the namespaces it may act on before or
   * after.
   */
  private void changed(HasMetadata before, HasMetadata after, String what) {
    HasMetadata o = after != null ? after : before;
    String ns = o.getMetadata().getNamespace();
    String name = o.getKind() + " " + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    // a Calico NetworkSet may be selected by another namespace's policy: it acts cluster-wide
    boolean crossNamespace = "NetworkSet".equals(o.getKind());
    if (ns != null && !ns.isEmpty() && !crossNamespace) {
      seen.accept(ns, name + " " + what);
      return;
    }
    List<Namespace> known = namespaces.get();
    if (known == null) {
      return; // before the namespaces' first list: the first sweep covers it
    }
    Set<String> to = new LinkedHashSet<>();
    for (HasMetadata side : new HasMetadata[] {before, after}) {
      if (side != null) {
        to.addAll(PolicyScope.namespaces(side, known));
      }
    }
    to.forEach(n -> seen.accept(n, name + " " + what));
  }

  private static String uid(HasMetadata o) {
    return o.getMetadata().getUid();
  }

  /** A digest of what the evaluator reads (spec, or Cilium's specs, and the labels). */
  static String digest(GenericKubernetesResource o) {
    Object held = o.getAdditionalProperties().get(DigestStore.DIGEST);
    if (held != null) {
      return held.toString();
    }
    Map<String, Object> extra = o.getAdditionalProperties();
    // labels too: policies select Calico's network sets by them
    String text =
        JSON.asJson(extra.get("spec"))
            + "\n"
            + JSON.asJson(extra.get("specs"))
            + "\n"
            + JSON.asJson(o.getMetadata() == null ? null : o.getMetadata().getLabels());
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Holds each object as its metadata and spec digest; a cluster-wide object keeps the selectors
   * {@link PolicyScope} reads (its spec), which are few and bounded by the same byte cap as sweeps.
   */
  static final class DigestStore
      extends io.fabric8.kubernetes.client.informers.cache.BasicItemStore<
          GenericKubernetesResource> {
    static final String DIGEST = "imds-prober.io/spec-digest";

    DigestStore() {
      super(io.fabric8.kubernetes.client.informers.cache.Cache::metaNamespaceKeyFunc);
    }

    @Override
    public GenericKubernetesResource put(String key, GenericKubernetesResource obj) {
      GenericKubernetesResource held = new GenericKubernetesResource();
      held.setApiVersion(obj.getApiVersion());
      held.setKind(obj.getKind());
      held.setMetadata(
          new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
              .withName(obj.getMetadata().getName())
              .withNamespace(obj.getMetadata().getNamespace())
              .withUid(obj.getMetadata().getUid())
              .withResourceVersion(obj.getMetadata().getResourceVersion())
              .build());
      held.setAdditionalProperty(DIGEST, digest(obj));
      String ns = obj.getMetadata().getNamespace();
      if (ns == null || ns.isEmpty()) {
        Object spec = obj.getAdditionalProperties().get("spec");
        if (spec != null && JSON.asJson(spec).length() <= PolicyScope.MAX_SPEC_BYTES) {
          held.setAdditionalProperty("spec", spec);
        }
      }
      return super.put(key, held);
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::stop);
  }

  /** For tests: the namespaces each informer's first list held. */
  Set<String> firstUids() {
    return new HashSet<>(first);
  }
}
