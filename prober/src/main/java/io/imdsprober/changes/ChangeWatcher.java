package io.imdsprober.changes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes that call for a re-probe between scheduled sweeps: one cluster-wide informer for
 * NetworkPolicies (created, spec changed, deleted: its namespace) and one for namespaces (a new
 * one; a change of its labels or of an {@code imds-prober.io/*} annotation; a deleted one is {@code
 * gone}). Objects that existed before the watch began are not changes. fabric8's informers re-list
 * and re-watch after a dropped watch and tell what changed meanwhile, so a drop loses nothing.
 */
public final class ChangeWatcher implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ChangeWatcher.class);

  /** Objects created this long before the watch began still count as existing ones. */
  private static final Duration EXISTING = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final Clock clock;
  private final BiConsumer<String, Instant> changed;
  private final Consumer<String> gone;
  private volatile Instant began = Instant.MAX;
  private SharedIndexInformer<NetworkPolicy> policies;
  private SharedIndexInformer<Namespace> namespaces;

  /**
   * @param changed told a namespace to re-probe and when the change was seen
   * @param gone told a namespace that was deleted
   */
  public ChangeWatcher(
      KubernetesClient client,
      Clock clock,
      BiConsumer<String, Instant> changed,
      Consumer<String> gone) {
    this.client = client;
    this.clock = clock;
    this.changed = changed;
    this.gone = gone;
  }

  /** Starts both informers (each lists once, then watches). */
  public void start() {
    began = clock.instant();
    policies =
        client
            .network()
            .v1()
            .networkPolicies()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(NetworkPolicy p) {
                    if (isNew(p)) {
                      seen(p.getMetadata().getNamespace(), "NetworkPolicy " + name(p) + " created");
                    }
                  }

                  @Override
                  public void onUpdate(NetworkPolicy before, NetworkPolicy after) {
                    if (!Objects.equals(before.getSpec(), after.getSpec())) {
                      seen(
                          after.getMetadata().getNamespace(),
                          "NetworkPolicy " + name(after) + " changed");
                    }
                  }

                  @Override
                  public void onDelete(NetworkPolicy p, boolean unknownFinalState) {
                    seen(p.getMetadata().getNamespace(), "NetworkPolicy " + name(p) + " deleted");
                  }
                });
    namespaces =
        client
            .namespaces()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Namespace n) {
                    if (isNew(n)) {
                      seen(n.getMetadata().getName(), "namespace created");
                    }
                  }

                  @Override
                  public void onUpdate(Namespace before, Namespace after) {
                    if (!ours(before).equals(ours(after))
                        || !Objects.equals(
                            before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
                      seen(
                          after.getMetadata().getName(), "namespace labels or annotations changed");
                    }
                  }

                  @Override
                  public void onDelete(Namespace n, boolean unknownFinalState) {
                    gone.accept(n.getMetadata().getName());
                  }
                });
    logger.info("watching NetworkPolicies and namespaces: a change re-probes its namespace");
  }

  private void seen(String namespace, String what) {
    if (namespace == null) {
      return;
    }
    logger.debug("{}: {}: re-probe", namespace, what);
    changed.accept(namespace, clock.instant());
  }

  /** Created after the watch began (the informer's first list also says "added"). */
  private boolean isNew(HasMetadata o) {
    String created = o.getMetadata().getCreationTimestamp();
    if (created == null) {
      return false;
    }
    try {
      return Instant.parse(created).isAfter(began.minus(EXISTING));
    } catch (java.time.format.DateTimeParseException e) {
      return false;
    }
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

  @Override
  public void close() {
    if (policies != null) {
      policies.stop();
    }
    if (namespaces != null) {
      namespaces.stop();
    }
  }
}
