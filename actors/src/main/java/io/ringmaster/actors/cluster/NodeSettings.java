package io.ringmaster.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/**
 * Where a node listens and whom it joins.
 *
 * @param hostname the canonical hostname other nodes reach this one at (127.0.0.1 on one machine)
 * @param port     the port to listen on; 0 takes a free one (the node announces the one it got)
 */
public record NodeSettings(NodeRole role, String hostname, int port, Seed seed) {
  public static final String SYSTEM_NAME = "ringmaster";
  public static final String LOOPBACK = "127.0.0.1";

  public NodeSettings {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("expected a port in 0..65535 (0: any free port), got " + port);
    }
  }

  /** A worker on loopback, on a free port. */
  public static NodeSettings worker(Seed seed) {
    return new NodeSettings(NodeRole.WORKER, LOOPBACK, 0, seed);
  }

  /** A director on loopback, on a free port, that is the cluster's seed. */
  public static NodeSettings director() {
    return new NodeSettings(NodeRole.DIRECTOR, LOOPBACK, 0, Seed.self());
  }

  public NodeSettings withPort(int newPort) {
    return new NodeSettings(role, hostname, newPort, seed);
  }

  public NodeSettings withHostname(String newHostname) {
    return new NodeSettings(role, newHostname, port, seed);
  }

  /** This node's settings over the application's configuration (system properties, application.conf, reference.conf). */
  public Config toConfig() {
    return ConfigFactory.empty()
        .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(hostname))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(role.roleName())))
        .withFallback(ConfigFactory.load());
  }
}
