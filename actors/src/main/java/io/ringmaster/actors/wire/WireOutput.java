package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.io.ByteBufferOutput;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Kryo output that copies float arrays in bulk. Kryo's own {@code writeFloats} stores one byte at a
 * time; this writes the same little-endian bytes through a {@code FloatBuffer} view, which the JIT
 * turns into a memory copy. Tensor payloads are almost all floats, so this is where the time goes.
 */
final class WireOutput extends ByteBufferOutput {
  private static final int DEFAULT_INITIAL_BYTES = 64 * 1024;

  /** Writes into {@code target} from its position and never past its capacity. */
  WireOutput(ByteBuffer target) {
    setBuffer(target, target.capacity());
  }

  /** Writes into a heap buffer that grows as needed. */
  WireOutput() {
    super(ByteBuffer.allocate(DEFAULT_INITIAL_BYTES).order(ByteOrder.LITTLE_ENDIAN), -1);
  }

  /** Writes through a buffer of {@code bufferBytes}, handing each full buffer to {@code sink}. */
  WireOutput(OutputStream sink, int bufferBytes) {
    super(sink, bufferBytes);
  }

  @Override
  public void writeFloats(float[] values, int offset, int count) {
    while (count > 0) {
      if (capacity - position < Float.BYTES) {
        require(Float.BYTES);
      }
      int floats = Math.min(count, (capacity - position) / Float.BYTES);
      ByteBuffer view = byteBuffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      view.position(position);
      view.asFloatBuffer().put(values, offset, floats);
      position += floats * Float.BYTES;
      byteBuffer.position(position);
      offset += floats;
      count -= floats;
    }
  }
}
