package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.io.ByteBufferOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Kryo output that copies float arrays in bulk. Kryo's own {@code writeFloats} stores one byte at a
 * time; this writes the same little-endian bytes through a {@code FloatBuffer} view, which the JIT
 * turns into a memory copy. Tensor payloads are almost all floats, so this is where the time goes.
 */
class WireOutput extends ByteBufferOutput {
  private static final int DEFAULT_INITIAL_BYTES = 64 * 1024;

  /** Writes into {@code target} from its position and never past its capacity. */
  WireOutput(ByteBuffer target) {
    setBuffer(target, target.capacity());
  }

  private WireOutput(ByteBuffer target, int maxBytes) {
    super(target, maxBytes);
  }

  @Override
  public void writeFloats(float[] values, int offset, int count) {
    while (count > 0) {
      if (capacity - position < Float.BYTES) {
        require(Float.BYTES);
      }
      int floats = Math.min(count, (capacity - position) / Float.BYTES);
      littleEndianFloatsAt(byteBuffer, position).put(values, offset, floats);
      position += floats * Float.BYTES;
      byteBuffer.position(position);
      offset += floats;
      count -= floats;
    }
  }

  /** The floats of {@code buffer} from {@code position} on, little-endian like the rest of Kryo's output. */
  static FloatBuffer littleEndianFloatsAt(ByteBuffer buffer, int position) {
    return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(position).asFloatBuffer();
  }

  /**
   * Counts the bytes a message would take without storing them (bulk arrays are only counted), so
   * a buffer of the exact size can be allocated before writing, or the message routed by its size.
   */
  static final class Counting extends WireOutput {
    private long countedBytes;

    Counting() {
      super(ByteBuffer.allocate(DEFAULT_INITIAL_BYTES).order(ByteOrder.LITTLE_ENDIAN), DEFAULT_INITIAL_BYTES);
    }

    @Override
    protected boolean require(int required) {
      if (capacity - position >= required) {
        return false;
      }
      countedBytes += position;
      setPosition(0);
      return true;
    }

    @Override
    public void writeFloats(float[] values, int offset, int count) {
      countedBytes += (long) count * Float.BYTES;
    }

    @Override
    public void writeBytes(byte[] bytes, int offset, int count) {
      countedBytes += count;
    }

    long countedBytes() {
      return countedBytes + position;
    }
  }
}
