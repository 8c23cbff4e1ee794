package harness;

import java.io.FileWriter;
import java.io.IOException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** Keyed counter; every count it reaches is appended as "key,count" to the file given as args[1]. */
public class CounterJob {
  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "harness-counter";
    String countsFile = args.length > 1 ? args[1] : "/tmp/harness-counts.txt";
    boolean withExtraOperator = !(args.length > 2 && args[2].equals("without-extra"));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(500);
    DataGeneratorSource<Long> source = new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(50), Types.LONG);
    var numbers = env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers");
    if (withExtraOperator) {
      numbers = numbers.keyBy(v -> v % 2, Types.LONG).process(new Count("/dev/null")).uid("extra").name("extra")
          .map(s -> Long.parseLong(s.split(",")[1]), Types.LONG).uid("extra-map");
    }
    numbers.keyBy(v -> v % 4, Types.LONG).process(new Count(countsFile)).uid("counter").name("counter")
        .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()).uid("sink").name("sink");
    env.execute(name);
  }

  public static class Count extends KeyedProcessFunction<Long, Long, String> {
    private final String file;
    private transient ValueState<Long> n;
    public Count(String file) { this.file = file; }
    @Override public void open(OpenContext c) { n = getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG)); }
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
}
