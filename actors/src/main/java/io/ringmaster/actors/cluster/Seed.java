package io.ringmaster.actors.cluster;

import org.apache.pekko.actor.Address;

/** The node a new node joins through: itself (the first node, normally the director) or one at HOST:PORT. */
public sealed interface Seed {
  static Seed self() {
    return new Self();
  }

  /** Parses {@code HOST:PORT}; the message of the exception says what was expected. */
  static At parse(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    String host = colon > 0 ? hostAndPort.substring(0, colon) : "";
    int port = -1;
    try {
      port = colon > 0 ? Integer.parseInt(hostAndPort.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      // reported below with the whole value
    }
    if (host.isBlank() || port < 1 || port > 65_535) {
      throw new IllegalArgumentException("expected HOST:PORT with PORT in 1..65535, got '" + hostAndPort + "'");
    }
    return new At(host, port);
  }

  /** The joining node forms a new cluster of its own. */
  record Self() implements Seed {}

  record At(String host, int port) implements Seed {
    public Address address() {
      return new Address("pekko", NodeSettings.SYSTEM_NAME, host, port);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }
}
