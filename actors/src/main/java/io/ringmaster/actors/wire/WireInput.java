package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.io.ByteBufferInput;
import java.nio.ByteBuffer;

/** Kryo input that reads float arrays in bulk (the counterpart of {@link WireOutput}). */
final class WireInput extends ByteBufferInput {
  WireInput(ByteBuffer source) {
    setBuffer(source);
  }

  @Override
  public float[] readFloats(int length) {
    float[] values = new float[length];
    int done = 0;
    while (done < length) {
      require(Float.BYTES);
      int floats = Math.min(length - done, (limit - position) / Float.BYTES);
      WireOutput.littleEndianFloatsAt(byteBuffer, position).get(values, done, floats);
      position += floats * Float.BYTES;
      byteBuffer.position(position);
      done += floats;
    }
    return values;
  }
}
