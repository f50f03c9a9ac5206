package io.imdsprober.facts;

import io.imdsprober.ProberException;

/** A probe result that is not facts JSON of the version this prober reads. */
public class MalformedFactsException extends ProberException {
  public MalformedFactsException(String message) {
    super(message);
  }

  public MalformedFactsException(String message, Throwable cause) {
    super(message, cause);
  }
}
