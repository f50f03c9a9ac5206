package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Objects a watch holds, which a re-probe may read instead of listing them again: each supplier
 * answers null while the watch has not listed.
 *
 * @param namespaces every namespace
 * @param policies the NetworkPolicies of the given namespaces
 */
public record WatchedObjects(
    Supplier<List<Namespace>> namespaces,
    Function<Set<String>, List<? extends HasMetadata>> policies) {}
