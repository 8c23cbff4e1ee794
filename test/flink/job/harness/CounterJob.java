package harness;

import java.io.FileWriter;
import java.io.IOException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed counter; every count it reaches is appended as "key,count" to the file given as args[1].
 * args[2] selects a variant: "without-extra" (an operator removed, for -n), "fail-on-start" (a broken new
 * version: the counter throws when it opens, for upgrade rollback), "slow-snapshots" (every snapshot takes
 * 2 s, so a savepoint is still in flight while a test overlaps or kills runs), "rare-checkpoints" (one checkpoint
 * an hour, so the snapshots a test takes stay the job's newest).
 */
public class CounterJob {
  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "harness-counter";
    String countsFile = args.length > 1 ? args[1] : "/tmp/harness-counts.txt";
    String variant = args.length > 2 ? args[2] : "";
    boolean withExtraOperator = !variant.equals("without-extra");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(variant.equals("rare-checkpoints") ? 3_600_000 : 500);
    DataGeneratorSource<Long> source = new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(50), Types.LONG);
    var numbers = env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers");
    if (withExtraOperator) {
      numbers = numbers.keyBy(v -> v % 2, Types.LONG).process(new Count("/dev/null")).uid("extra").name("extra")
          .map(s -> Long.parseLong(s.split(",")[1]), Types.LONG).uid("extra-map");
    }
    if (variant.equals("slow-snapshots")) numbers = numbers.map(new SlowSnapshots()).uid("slow").name("slow");
    numbers.keyBy(v -> v % 4, Types.LONG).process(new Count(countsFile, variant.equals("fail-on-start"))).uid("counter").name("counter")
        .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()).uid("sink").name("sink");
    env.execute(name);
  }

  public static class Count extends KeyedProcessFunction<Long, Long, String> {
    private final String file;
    private final boolean failOnOpen;
    private transient ValueState<Long> n;
    public Count(String file) { this(file, false); }
    public Count(String file, boolean failOnOpen) { this.file = file; this.failOnOpen = failOnOpen; }
    @Override public void open(OpenContext c) {
      if (failOnOpen) throw new IllegalStateException("version 2 cannot start");
      n = getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG));
    }
    @Override public void processElement(Long v, Context ctx, Collector<String> out) throws Exception {
      long c = n.value() == null ? 1 : n.value() + 1;
      n.update(c);
      String line = ctx.getCurrentKey() + "," + c;
      synchronized (Count.class) {
        try (FileWriter w = new FileWriter(file, true)) { w.write(line + "\n"); } catch (IOException e) { throw new RuntimeException(e); }
      }
      out.collect(line);
    }
  }

  public static class SlowSnapshots implements MapFunction<Long, Long>, CheckpointedFunction {
    @Override public Long map(Long v) { return v; }
    @Override public void snapshotState(FunctionSnapshotContext context) throws Exception { Thread.sleep(2000); }
    @Override public void initializeState(FunctionInitializationContext context) {}
  }
}
