package io.imdsprober.probe;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.probe.ProbePlan.Endpoint;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Hashtable;
import java.util.function.Consumer;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.NoPermissionException;
import javax.naming.OperationNotSupportedException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * Resolves a name against one nameserver with the JDK's own DNS client (JNDI), so the rcode class
 * is visible: NOERROR is ok, NXDOMAIN, SERVFAIL and REFUSED are told apart, and silence is a
 * timeout. One try, bounded by the plan's timeout; no search list, no cache.
 */
final class DnsCheck {
  private final Endpoint server;
  private final Duration timeout;

  DnsCheck(Endpoint server, Duration timeout) {
    this.server = server;
    this.timeout = timeout;
  }

  DnsFact run(String name, Consumer<String> errors) {
    long start = System.nanoTime();
    DnsResult result;
    int answers = 0;
    DirContext ctx = null;
    try {
      ctx = new InitialDirContext(environment());
      answers = count(ctx, name, "A");
      if (answers == 0) {
        answers = count(ctx, name, "AAAA");
      }
      result = DnsResult.OK;
    } catch (NamingException e) {
      result = classify(e);
      if (result == DnsResult.ERROR) {
        errors.accept("dns " + name + " via " + server + ": " + e);
      }
    } finally {
      close(ctx);
    }
    return new DnsFact(
        name, server.toString(), "udp", result, TcpConnect.millisSince(start), answers);
  }

  private Hashtable<String, Object> environment() {
    Hashtable<String, Object> env = new Hashtable<>();
    env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
    env.put(Context.PROVIDER_URL, "dns://" + server + "/");
    env.put("com.sun.jndi.dns.timeout.initial", Long.toString(timeout.toMillis()));
    env.put("com.sun.jndi.dns.timeout.retries", "1");
    return env;
  }

  private static int count(DirContext ctx, String name, String type) throws NamingException {
    Attributes attrs = ctx.getAttributes(absolute(name), new String[] {type});
    Attribute attr = attrs.get(type);
    return attr == null ? 0 : attr.size();
  }

  private static String absolute(String name) {
    return name.endsWith(".") ? name : name + ".";
  }

  /** Maps the JDK DNS client's exceptions to rcode classes. */
  static DnsResult classify(NamingException e) {
    if (e instanceof NameNotFoundException) {
      return DnsResult.NXDOMAIN;
    }
    if (e instanceof ServiceUnavailableException) {
      return DnsResult.SERVFAIL;
    }
    if (e instanceof NoPermissionException
        || e instanceof OperationNotSupportedException
            && String.valueOf(e.getMessage()).contains("code 5")) {
      // the JDK reports rcode 5 (REFUSED) as OperationNotSupportedException "response code 5"
      return DnsResult.REFUSED;
    }
    if (e instanceof CommunicationException) {
      for (Throwable t = e.getRootCause(); t != null; t = t.getCause()) {
        if (t instanceof PortUnreachableException) {
          return DnsResult.REFUSED;
        }
        if (t instanceof SocketTimeoutException) {
          return DnsResult.TIMEOUT;
        }
      }
      return DnsResult.TIMEOUT;
    }
    return DnsResult.ERROR;
  }

  private static void close(DirContext ctx) {
    if (ctx != null) {
      try {
        ctx.close();
      } catch (NamingException e) {
        // nothing held that matters
      }
    }
  }
}
