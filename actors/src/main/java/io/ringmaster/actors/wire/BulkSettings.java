package io.ringmaster.actors.wire;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * How bulk messages are cut and paced ({@code ringmaster.wire.bulk}).
 *
 * @param chunkBytes   the largest message sent whole; a larger one is cut into pieces of this size
 * @param windowChunks pieces (whole messages or chunks) to one node in flight before an acknowledgement is awaited
 * @param ackTimeout   how long a transfer may go without an acknowledgement before it is given up
 */
public record BulkSettings(int chunkBytes, int windowChunks, Duration ackTimeout) {
  public static final String PATH = "ringmaster.wire.bulk";
  /** Room for Artery's envelope header and the chunk's own fields next to the chunk bytes. */
  static final int FRAME_HEADROOM_BYTES = 16 * 1024;

  public BulkSettings {
    if (chunkBytes <= 0 || windowChunks <= 0 || ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new ConfigException.BadValue(PATH, "chunk-bytes, window-chunks and ack-timeout must be positive");
    }
  }

  public static BulkSettings fromConfig(Config config) {
    Config bulk = config.getConfig(PATH);
    BulkSettings settings = new BulkSettings(
        Math.toIntExact(bulk.getBytes("chunk-bytes")), bulk.getInt("window-chunks"), bulk.getDuration("ack-timeout"));
    long frameBytes = laneFrameBytes(config);
    if (settings.chunkBytes() + FRAME_HEADROOM_BYTES > frameBytes) {
      throw new ConfigException.BadValue(PATH + ".chunk-bytes", "expected at most " + (frameBytes - FRAME_HEADROOM_BYTES)
          + " bytes (the Artery frame of the bulk inbox's lane, " + frameBytes + " bytes, less " + FRAME_HEADROOM_BYTES
          + " for headers), got " + settings.chunkBytes());
    }
    return settings;
  }

  /** The frame limit of the lane the bulk inbox is reached on: the large-message lane if it is listed there. */
  static long laneFrameBytes(Config config) {
    boolean largeLane = config.getStringList("pekko.remote.artery.large-message-destinations")
        .contains("/system/" + BulkInbox.NAME);
    return config.getBytes(largeLane
        ? "pekko.remote.artery.advanced.maximum-large-frame-size"
        : "pekko.remote.artery.advanced.maximum-frame-size");
  }
}
