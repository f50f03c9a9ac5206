package io.imdsprober.ship;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), field by field, as
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ lists them.
 */
final class PodSecurityRestricted {
  private static final Set<String> SAFE_SYSCTLS =
      Set.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes");

  private PodSecurityRestricted() {}

  /** Every field of the spec that the profile forbids; empty when it passes. */
  static List<String> violations(PodSpec pod) {
    List<String> v = new ArrayList<>();
    PodSecurityContext psc = pod.getSecurityContext();
    if (Boolean.TRUE.equals(pod.getHostNetwork())) v.add("hostNetwork");
    if (Boolean.TRUE.equals(pod.getHostPID())) v.add("hostPID");
    if (Boolean.TRUE.equals(pod.getHostIPC())) v.add("hostIPC");
    for (Volume vol : nullSafe(pod.getVolumes())) {
      boolean allowed =
          vol.getConfigMap() != null
              || vol.getCsi() != null
              || vol.getDownwardAPI() != null
              || vol.getEmptyDir() != null
              || vol.getEphemeral() != null
              || vol.getPersistentVolumeClaim() != null
              || vol.getProjected() != null
              || vol.getSecret() != null;
      if (!allowed) v.add("volume " + vol.getName() + " of a restricted type");
    }
    if (psc != null) {
      if (psc.getSysctls() != null) {
        psc.getSysctls().stream()
            .filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
            .forEach(s -> v.add("sysctl " + s.getName()));
      }
      if (psc.getRunAsUser() != null && psc.getRunAsUser() == 0) v.add("pod runAsUser 0");
      if (psc.getSeLinuxOptions() != null
          && psc.getSeLinuxOptions().getType() != null
          && !Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t")
              .contains(psc.getSeLinuxOptions().getType())) v.add("pod seLinuxOptions.type");
    }
    boolean podNonRoot = psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
    boolean podSeccomp = psc != null && seccompOk(psc.getSeccompProfile());
    if (psc != null && psc.getSeccompProfile() != null && !podSeccomp) v.add("pod seccompProfile");
    List<Container> all = new ArrayList<>(nullSafe(pod.getContainers()));
    all.addAll(nullSafe(pod.getInitContainers()));
    for (Container c : all) {
      String n = "container " + c.getName() + ": ";
      SecurityContext sc = c.getSecurityContext();
      for (ContainerPort p : nullSafe(c.getPorts())) {
        if (p.getHostPort() != null && p.getHostPort() != 0) v.add(n + "hostPort");
      }
      if (sc == null) {
        v.add(n + "no securityContext (allowPrivilegeEscalation, capabilities)");
        continue;
      }
      if (Boolean.TRUE.equals(sc.getPrivileged())) v.add(n + "privileged");
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        v.add(n + "allowPrivilegeEscalation must be false");
      }
      if (!(podNonRoot && sc.getRunAsNonRoot() == null
          || Boolean.TRUE.equals(sc.getRunAsNonRoot()))) {
        v.add(n + "runAsNonRoot must be true");
      }
      if (sc.getRunAsUser() != null && sc.getRunAsUser() == 0) v.add(n + "runAsUser 0");
      if (sc.getSeccompProfile() != null ? !seccompOk(sc.getSeccompProfile()) : !podSeccomp) {
        v.add(n + "seccompProfile must be RuntimeDefault or Localhost");
      }
      Capabilities caps = sc.getCapabilities();
      if (caps == null || !nullSafe(caps.getDrop()).contains("ALL")) {
        v.add(n + "capabilities must drop ALL");
      }
      if (caps != null) {
        nullSafe(caps.getAdd()).stream()
            .filter(a -> !a.equals("NET_BIND_SERVICE"))
            .forEach(a -> v.add(n + "adds capability " + a));
      }
      if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) v.add(n + "procMount");
    }
    return v;
  }

  private static boolean seccompOk(SeccompProfile p) {
    return p != null && ("RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType()));
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }
}
