package io.imdsprober.sweep;

import io.imdsprober.ProberException;

/** A sweep that could not probe any namespace: the API server unreachable, a permission missing. */
public class SweepException extends ProberException {
  public SweepException(String message, Throwable cause) {
    super(message, cause);
  }
}
