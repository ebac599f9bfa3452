package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.io.ByteBufferOutput;
import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kryo output that copies float arrays in bulk. Kryo's own {@code writeFloats} stores one byte at a
 * time; this writes the same little-endian bytes through a {@code FloatBuffer} view, which the JIT
 * turns into a memory copy. Tensor payloads are almost all floats, so this is where the time goes.
 */
class WireOutput extends ByteBufferOutput {
  static final int DEFAULT_INITIAL_BYTES = 64 * 1024;

  /** Writes into {@code target} from its position and never past its capacity. */
  WireOutput(ByteBuffer target) {
    setBuffer(target, target.capacity());
  }

  /** Writes into a heap buffer that grows as needed. */
  WireOutput() {
    super(ByteBuffer.allocate(DEFAULT_INITIAL_BYTES).order(ByteOrder.LITTLE_ENDIAN), -1);
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

  /**
   * Writes into arrays of at most {@code chunkBytes}: the first grows from {@link #DEFAULT_INITIAL_BYTES}
   * (a small message costs no chunk-sized allocation); once one is full it becomes a chunk as it is
   * and writing goes on in a fresh one, so the bytes are written once and not copied between buffers.
   */
  static final class Chunking extends WireOutput {
    private final int chunkBytes;
    private final List<byte[]> chunks = new ArrayList<>();

    Chunking(int chunkBytes) {
      super(heapBuffer(Math.min(chunkBytes, DEFAULT_INITIAL_BYTES)));
      this.chunkBytes = chunkBytes;
    }

    private static ByteBuffer heapBuffer(int bytes) {
      return ByteBuffer.wrap(new byte[bytes]).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    protected boolean require(int required) {
      if (capacity - position >= required) {
        return false;
      }
      if (required > chunkBytes) {
        throw new KryoBufferOverflowException("a single write of " + required + " bytes exceeds the chunk size " + chunkBytes);
      }
      if (capacity < chunkBytes) {
        ByteBuffer grown = ByteBuffer.wrap(Arrays.copyOf(byteBuffer.array(),
            Math.min(chunkBytes, Math.max(2 * capacity, position + required)))).order(ByteOrder.LITTLE_ENDIAN);
        grown.position(position);
        setBuffer(grown, chunkBytes);
      } else {
        emitChunk();
        setBuffer(heapBuffer(chunkBytes), chunkBytes);
      }
      return true;
    }

    /** The chunks, once everything has been written. */
    List<byte[]> finish() {
      emitChunk();
      return chunks;
    }

    private void emitChunk() {
      if (position > 0) {
        byte[] written = byteBuffer.array();
        chunks.add(position == written.length ? written : Arrays.copyOf(written, position));
        position = 0;
      }
    }
  }
}
