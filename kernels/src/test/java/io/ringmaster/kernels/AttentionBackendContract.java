package io.ringmaster.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.reference.ReferenceAttention;
import io.ringmaster.kernels.ring.RingAttention;
import io.ringmaster.kernels.ring.RingOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link AttentionBackend} must do, checked against {@link ReferenceAttention}: each backend
 * subclasses this once with its factory. fp32 results must be within {@link #MAX_ABS_ERROR} of the
 * reference on values of order one (seeded standard-normal inputs).
 *
 * <p>The ring problems use 600 tokens: ranks of 150 to 600 rows and zigzag chunks of 75 to 300 are
 * multiples of no power of two above 8, so a tiled kernel meets a short last tile in every case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AttentionBackendContract {
  /** Issue 4's bound for fp32 against the reference. */
  public static final double MAX_ABS_ERROR = 1e-4;

  private static final int RAGGED_SEQUENCE = 600;
  private static final HeadLayout HEADS = RingProblem.HEADS;

  private AttentionBackend backend;

  protected abstract AttentionBackend createBackend();

  protected final AttentionBackend backend() {
    return backend;
  }

  /**
   * Checks one result against the reference. fp32 backends meet {@code fp32MaxAbs}; a backend that
   * computes in lower precision overrides this with its own bound (bf16: a relative one).
   */
  protected void assertClose(TensorDifference difference, double fp32MaxAbs) {
    difference.assertWithin(fp32MaxAbs);
  }

  @BeforeAll
  void openBackend() {
    backend = createBackend();
  }

  @AfterAll
  void closeBackend() {
    if (backend != null) backend.close();  // null when createBackend was skipped by an assumption
  }

  static Stream<Arguments> rings() {
    return Stream.of(Masking.CAUSAL, Masking.NONE)
        .flatMap(masking -> Stream.of(ShardLayout.values())
            .flatMap(layout -> IntStream.rangeClosed(1, 4).mapToObj(size -> Arguments.of(masking, layout, size))));
  }

  @ParameterizedTest(name = "{0} {1} ring of {2}")
  @MethodSource("rings")
  void ringMatchesReference(Masking masking, ShardLayout layout, int ringSize) {
    RingProblem problem = RingProblem.of(RAGGED_SEQUENCE, masking);
    RingOutcome outcome = ring(problem, layout, ringSize, masking, RingProblem.LLAMA3_THETA);
    problem.differences(masking + " " + layout.label() + " N=" + ringSize + " S=600", outcome)
        .forEach(difference -> assertClose(difference, MAX_ABS_ERROR));
  }

  @Test
  void ringMatchesReferenceOnAPowerOfTwoLength() {
    RingProblem problem = RingProblem.of(512, Masking.CAUSAL);
    RingOutcome outcome = ring(problem, ShardLayout.ZIGZAG, 4, Masking.CAUSAL, RingProblem.LLAMA3_THETA);
    problem.differences("CAUSAL zigzag N=4 S=512", outcome).forEach(difference -> assertClose(difference, MAX_ABS_ERROR));
  }

  /** The comparison must be able to fail: a ring without its causal mask is far from the reference. */
  @Test
  void comparisonCatchesAMissingCausalMask() {
    RingProblem problem = RingProblem.of(RAGGED_SEQUENCE, Masking.CAUSAL);
    RingOutcome unmasked = ring(problem, ShardLayout.ZIGZAG, 2, Masking.NONE, RingProblem.LLAMA3_THETA);
    assertThat(TensorDifference.of("out", problem.reference.out(), unmasked.out()).maxAbsError()).isGreaterThan(0.1);
  }

  /** ...and RoPE must matter in it: a ring with another theta is far from the reference too. */
  @Test
  void comparisonCatchesAWrongRopeTheta() {
    RingProblem problem = RingProblem.of(RAGGED_SEQUENCE, Masking.CAUSAL);
    RingOutcome otherTheta = ring(problem, ShardLayout.ZIGZAG, 2, Masking.CAUSAL, 10_000);
    assertThat(TensorDifference.of("out", problem.reference.out(), otherTheta.out()).maxAbsError()).isGreaterThan(0.01);
    assertThat(TensorDifference.of("dq", problem.reference.dq(), otherTheta.dq()).maxAbsError()).isGreaterThan(0.01);
  }

  record BlockCase(String name, TokenPositions queries, TokenPositions keys, Masking masking) {
    /** Seeded rows shaped like the query block (for q, out, dOut). */
    HostTensor queries(long seed) {
      return new SeededTensors(seed).normal(queries.count(), HEADS.queryHeads(), HEADS.headDim());
    }

    HostTensor keysOrValues(long seed) {
      return new SeededTensors(seed).normal(keys.count(), HEADS.kvHeads(), HEADS.headDim());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<BlockCase> blocks() {
    Random random = new Random(7);
    return Stream.of(
        new BlockCase("causal diagonal", TokenPositions.contiguous(0, 200), TokenPositions.contiguous(0, 200), Masking.CAUSAL),
        new BlockCase("causal zigzag pair with empty rows",
            chunks(0, 50, 350, 50), chunks(100, 50, 250, 50), Masking.CAUSAL),
        new BlockCase("causal, first 128 rows see no key",
            chunks(0, 128, 400, 72), TokenPositions.contiguous(200, 150), Masking.CAUSAL),
        new BlockCase("causal shuffled positions", shuffled(0, 200, random), shuffled(0, 200, random), Masking.CAUSAL),
        new BlockCase("non-causal uneven", TokenPositions.contiguous(500, 150), TokenPositions.contiguous(0, 230), Masking.NONE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("blocks")
  void forwardBlockMatchesReference(BlockCase block) {
    HostTensor q = block.queries(11);
    HostTensor k = block.keysOrValues(12);
    HostTensor v = block.keysOrValues(13);
    ReferenceAttention.Forward expected = ReferenceAttention.forward(q, k, v, block.queries(), block.keys(), block.masking());
    try (Tensor qDevice = backend.upload(q);
        Tensor kDevice = backend.upload(k);
        Tensor vDevice = backend.upload(v);
        PartialAttention actual = backend.forwardBlock(qDevice, kDevice, vDevice, block.queries(), block.keys(), block.masking())) {
      assertClose(TensorDifference.of("forward block, " + block + ": out", expected.out(), actual.out().toHost()), MAX_ABS_ERROR);
      assertClose(TensorDifference.of("forward block, " + block + ": lse", expected.lse(), actual.lse().toHost()), MAX_ABS_ERROR);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("blocks")
  void backwardBlockMatchesReference(BlockCase block) {
    HostTensor q = block.queries(21);
    HostTensor k = block.keysOrValues(22);
    HostTensor v = block.keysOrValues(23);
    HostTensor dOut = block.queries(24);
    ReferenceAttention.Forward forward = ReferenceAttention.forward(q, k, v, block.queries(), block.keys(), block.masking());
    ReferenceAttention.Gradients expected =
        ReferenceAttention.backward(q, k, v, dOut, block.queries(), block.keys(), block.masking());
    try (Tensor qDevice = backend.upload(q);
        Tensor kDevice = backend.upload(k);
        Tensor vDevice = backend.upload(v);
        Tensor outDevice = backend.upload(forward.out());
        Tensor dOutDevice = backend.upload(dOut);
        Tensor lseDevice = backend.upload(forward.lse());
        BlockGradients actual = backend.backwardBlock(qDevice, kDevice, vDevice, outDevice, dOutDevice, lseDevice,
            block.queries(), block.keys(), block.masking())) {
      String label = "backward block, " + block + ": ";
      assertThat(qDevice.toHost().values()).as("q after the call").containsExactly(q.values());
      assertThat(lseDevice.toHost().values()).as("lse after the call").containsExactly(forward.lse().values());
      assertClose(TensorDifference.of(label + "dq", expected.dq(), actual.dq().toHost()), MAX_ABS_ERROR);
      assertClose(TensorDifference.of(label + "dk", expected.dk(), actual.dk().toHost()), MAX_ABS_ERROR);
      assertClose(TensorDifference.of(label + "dv", expected.dv(), actual.dv().toHost()), MAX_ABS_ERROR);
    }
  }

  /** Rows 0..99 see no key of the second half, so that partial has -inf rows the merge must absorb. */
  @Test
  void mergingTwoKeyHalvesEqualsAttendingToAll() {
    SeededTensors random = new SeededTensors(17);
    TokenPositions queries = TokenPositions.contiguous(0, 200);
    TokenPositions firstHalf = TokenPositions.contiguous(0, 100);
    TokenPositions secondHalf = TokenPositions.contiguous(100, 100);
    HostTensor q = random.normal(200, HEADS.queryHeads(), HEADS.headDim());
    HostTensor k = random.normal(200, HEADS.kvHeads(), HEADS.headDim());
    HostTensor v = random.normal(200, HEADS.kvHeads(), HEADS.headDim());
    ReferenceAttention.Forward expected = ReferenceAttention.forward(q, k, v, queries, queries, Masking.CAUSAL);
    try (Tensor qDevice = backend.upload(q);
        Tensor k1 = backend.upload(rows(k, 0, 100));
        Tensor v1 = backend.upload(rows(v, 0, 100));
        Tensor k2 = backend.upload(rows(k, 100, 200));
        Tensor v2 = backend.upload(rows(v, 100, 200));
        PartialAttention first = backend.forwardBlock(qDevice, k1, v1, queries, firstHalf, Masking.CAUSAL);
        PartialAttention second = backend.forwardBlock(qDevice, k2, v2, queries, secondHalf, Masking.CAUSAL);
        PartialAttention forwards = backend.merge(first, second);
        PartialAttention backwards = backend.merge(second, first)) {
      assertThat(second.lse().toHost().values()[0]).isEqualTo(Float.NEGATIVE_INFINITY);
      for (PartialAttention merged : List.of(forwards, backwards)) {
        assertClose(TensorDifference.of("merge of key halves: out", expected.out(), merged.out().toHost()), MAX_ABS_ERROR);
        assertClose(TensorDifference.of("merge of key halves: lse", expected.lse(), merged.lse().toHost()), MAX_ABS_ERROR);
      }
    }
  }

  @Test
  void fullyMaskedBlockIsEmptyAndMergesAsNothing() {
    SeededTensors random = new SeededTensors(19);
    TokenPositions queries = TokenPositions.contiguous(0, 64);
    TokenPositions laterKeys = TokenPositions.contiguous(100, 64);
    HostTensor q = random.normal(64, HEADS.queryHeads(), HEADS.headDim());
    HostTensor k = random.normal(64, HEADS.kvHeads(), HEADS.headDim());
    HostTensor v = random.normal(64, HEADS.kvHeads(), HEADS.headDim());
    try (Tensor qDevice = backend.upload(q);
        Tensor kDevice = backend.upload(k);
        Tensor vDevice = backend.upload(v);
        PartialAttention empty = backend.forwardBlock(qDevice, kDevice, vDevice, queries, laterKeys, Masking.CAUSAL);
        PartialAttention seen = backend.forwardBlock(qDevice, kDevice, vDevice, queries, queries, Masking.CAUSAL);
        PartialAttention emptyTwice = backend.merge(empty, empty);
        PartialAttention emptyThenSeen = backend.merge(empty, seen);
        PartialAttention seenThenEmpty = backend.merge(seen, empty);
        Tensor dOut = backend.upload(random.normal(64, HEADS.queryHeads(), HEADS.headDim()));
        BlockGradients none = backend.backwardBlock(qDevice, kDevice, vDevice, seen.out(), dOut, seen.lse(),
            queries, laterKeys, Masking.CAUSAL)) {
      for (PartialAttention blank : List.of(empty, emptyTwice)) {
        assertThat(blank.lse().toHost().values()).containsOnly(Float.NEGATIVE_INFINITY);
        assertThat(blank.out().toHost().values()).containsOnly(0f);
      }
      for (PartialAttention merged : List.of(emptyThenSeen, seenThenEmpty)) {
        assertThat(merged.out().toHost().values()).containsExactly(seen.out().toHost().values());
        assertThat(merged.lse().toHost().values()).containsExactly(seen.lse().toHost().values());
      }
      for (Tensor gradient : List.of(none.dq(), none.dk(), none.dv())) {
        assertThat(gradient.toHost().values()).containsOnly(0f);
      }
    }
  }

  /** Positions around one million tokens, with the theta of the 1M-token scaling rule (models.md). */
  @Test
  void ropeMatchesReferenceAtMillionTokenPositions() {
    double theta = 3_580_165_449.0;
    RotaryEmbedding rope = new RotaryEmbedding(theta);
    TokenPositions positions = TokenPositions.contiguous(1_048_000, 96);
    HostTensor x = new SeededTensors(23).normal(96, HEADS.queryHeads(), HEADS.headDim());
    try (Tensor device = backend.upload(x);
        Tensor rotated = backend.applyRope(device, positions, theta);
        Tensor restored = backend.applyRopeGradient(rotated, positions, theta)) {
      assertClose(TensorDifference.of("rope at 1M positions", rope.rotate(x, positions), rotated.toHost()), 1e-5);
      assertClose(TensorDifference.of("rope gradient after rope", x, restored.toHost()), 1e-5);
      assertThat(TensorDifference.of("rope moves values", x, rotated.toHost()).maxAbsError()).isGreaterThan(0.1);
    }
  }

  @Test
  void addSumsElementwise() {
    SeededTensors random = new SeededTensors(29);
    HostTensor a = random.normal(5, 2, 4);
    HostTensor b = random.normal(5, 2, 4);
    float[] sum = new float[a.values().length];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = a.values()[i] + b.values()[i];
    }
    try (Tensor aDevice = backend.upload(a); Tensor bDevice = backend.upload(b); Tensor total = backend.add(aDevice, bDevice)) {
      assertClose(TensorDifference.of("add", new HostTensor(5, 2, 4, sum), total.toHost()), 0.0);
      assertThat(total.bytes()).as("device bytes of [5,2,4] fp32 or bf16").isBetween(5L * 2 * 4 * 2, 5L * 2 * 4 * Float.BYTES);
    }
  }

  private RingOutcome ring(RingProblem problem, ShardLayout layout, int ringSize, Masking masking, double theta) {
    return new RingAttention(backend, problem.setup(layout, ringSize, masking, theta))
        .run(problem.q, problem.k, problem.v, problem.dOut);
  }

  private static TokenPositions chunks(int firstStart, int firstCount, int secondStart, int secondCount) {
    int[] positions = IntStream.concat(
            IntStream.range(firstStart, firstStart + firstCount), IntStream.range(secondStart, secondStart + secondCount))
        .toArray();
    return new TokenPositions(positions);
  }

  private static TokenPositions shuffled(int first, int count, Random random) {
    List<Integer> positions = new ArrayList<>(IntStream.range(first, first + count).boxed().toList());
    Collections.shuffle(positions, random);
    return new TokenPositions(positions.stream().mapToInt(Integer::intValue).toArray());
  }

  private static HostTensor rows(HostTensor x, int first, int end) {
    int rowValues = x.heads() * x.headDim();
    float[] values = Arrays.copyOfRange(x.values(), first * rowValues, end * rowValues);
    return new HostTensor(end - first, x.heads(), x.headDim(), values);
  }
}
