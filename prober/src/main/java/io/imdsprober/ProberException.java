package io.imdsprober;

/** The root of the prober's own unchecked exceptions. */
public class ProberException extends RuntimeException {
  public ProberException(String message) {
    super(message);
  }

  public ProberException(String message, Throwable cause) {
    super(message, cause);
  }
}
