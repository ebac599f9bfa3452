package io.ringmaster.app;

import io.ringmaster.actors.cluster.NodeSettings;
import picocli.CommandLine.Option;

/** Where a node of the live cluster listens ({@code --host}, {@code --port}): a worker, or a director that joins with a seed. */
final class NodeAddress {
  @Option(names = "--host", defaultValue = NodeSettings.LOOPBACK, paramLabel = "ADDRESS", description = "The address other nodes reach this one at (default 127.0.0.1).")
  private String host;

  @Option(names = "--port", defaultValue = "0", paramLabel = "P", description = "Port to listen on; 0 takes a free one (default).")
  private int port;

  String host() {
    return host;
  }

  int port() {
    return port;
  }
}
