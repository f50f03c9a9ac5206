package io.imdsprober.config;

import io.imdsprober.ProberException;

/** A configuration value that cannot be used: the message names the key and the value. */
public class ConfigException extends ProberException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
