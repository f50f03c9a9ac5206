package io.imdsprober.facts;

/**
 * What the agent does once a metadata target accepts a connection: the profile's safe HTTP request,
 * or nothing more (TCP only).
 */
public enum RequestMode implements FactWord {
  HTTP,
  TCP
}
