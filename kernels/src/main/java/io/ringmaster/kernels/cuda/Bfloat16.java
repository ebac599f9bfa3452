package io.ringmaster.kernels.cuda;

/** bfloat16 bits (the upper half of an IEEE float) to and from float, rounding to nearest even. */
final class Bfloat16 {
  private Bfloat16() {}

  static short fromFloat(float value) {
    if (Float.isNaN(value)) return (short) 0x7FC0;
    int bits = Float.floatToRawIntBits(value);
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  static float[] toFloats(short[] values) {
    float[] result = new float[values.length];
    for (int i = 0; i < values.length; i++) result[i] = toFloat(values[i]);
    return result;
  }
}
