package harness;

import java.io.FileWriter;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.v2.MapState;
import org.apache.flink.api.common.state.v2.MapStateDescriptor;
import org.apache.flink.api.common.state.v2.ValueState;
import org.apache.flink.api.common.state.v2.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * LayoutJob with Flink 2's asynchronous state API (State V2, enableAsyncState): what the ForSt state backend
 * needs to keep its live database on the primary (remote) directory instead of a local one. Same arguments,
 * same counts file, same operator uids.
 */
public class AsyncLayoutJob {
  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "async-layout-job";
    String countsFile = args.length > 1 ? args[1] : "/tmp/layout-counts.txt";
    Map<String, String> settings = new HashMap<>();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + args[i]);
      settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    int ballastKb = Integer.parseInt(LayoutJob.take(settings, "layout.ballast-kb", "0"));
    int keys = Integer.parseInt(LayoutJob.take(settings, "layout.keys", "4"));
    long interval = Long.parseLong(LayoutJob.take(settings, "layout.interval", "500"));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(Configuration.fromMap(settings));
    env.enableCheckpointing(interval);
    DataGeneratorSource<Long> source = new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(50), Types.LONG);
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers")
        .keyBy(v -> v % keys, Types.LONG).enableAsyncState().process(new Count(countsFile, ballastKb)).uid("counter").name("counter")
        .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()).uid("sink").name("sink");
    env.execute(name);
  }

  public static class Count extends KeyedProcessFunction<Long, Long, String> {
    private final String file;
    private final int ballastKb;
    private transient ValueState<Long> n;
    private transient MapState<Integer, byte[]> ballast;

    public Count(String file, int ballastKb) { this.file = file; this.ballastKb = ballastKb; }

    @Override public void open(OpenContext c) {
      n = getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG));
      ballast = getRuntimeContext().getMapState(new MapStateDescriptor<>("ballast", Types.INT, org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override public void processElement(Long v, Context ctx, Collector<String> out) {
      long key = ctx.getCurrentKey();
      n.asyncValue().thenAccept(before -> {
        long c = before == null ? 1 : before + 1;
        if (before == null && ballastKb > 0) {
          Random random = new Random(key);
          Map<Integer, byte[]> chunks = new HashMap<>();
          for (int i = 0; i < ballastKb; i++) {
            byte[] chunk = new byte[1024];
            random.nextBytes(chunk);
            chunks.put(i, chunk);
          }
          ballast.asyncPutAll(chunks);
        }
        n.asyncUpdate(c);
        String line = key + "," + c;
        synchronized (AsyncLayoutJob.class) {
          try (FileWriter w = new FileWriter(file, true)) { w.write(line + "\n"); } catch (IOException e) { throw new RuntimeException(e); }
        }
        out.collect(line);
      });
    }
  }
}
