package harness;

import java.io.FileWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Writes keyed state whose content is known exactly, for the golden savepoints of `flink savepoints state`.
 *
 * <p>Event i (0 <= i < EVENTS) goes to key i % 6 of a String-keyed operator (uid "by-string", max parallelism
 * 128: a one-byte key-group prefix) and of a Long-keyed one (uid "by-long", max parallelism 256: two bytes).
 * Each key holds Long, String, Map, List, POJO, reducing, aggregating (Tuple2 accumulator), TTL, Row and Kryo
 * state, an Avro GenericRecord, and one processing-time timer; the test computes the expected values from the same rule. Every
 * processed event appends a line to args[1], so the test knows when all have been applied. args[2] is the
 * state backend ("hashmap" or "rocksdb"), args[3] "compressed" turns on snapshot compression.
 */
public class StateJob {
  public static final int EVENTS = 40;
  public static final String[] STRING_KEYS = {"user-1", "user-2", "user-3", "ключ-ü", "", "user-42"};
  public static final long[] LONG_KEYS = {1L, 42L, -7L, 1_000_000_000_000L, 9_007_199_254_740_993L, 0L};
  public static final long TIMER_AT = 4_102_444_800_000L; // 2100-01-01: never fires during the test
  /** The Avro state's schema (a GenericRecord: the schema is in the snapshot). */
  public static final String AVRO_SCHEMA = "{\"type\":\"record\",\"name\":\"Visit\",\"namespace\":\"harness\",\"fields\":["
      + "{\"name\":\"key\",\"type\":\"string\"},{\"name\":\"count\",\"type\":\"long\"},{\"name\":\"big\",\"type\":\"long\"},"
      + "{\"name\":\"events\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},{\"name\":\"half\",\"type\":[\"null\",\"double\"]}]}";

  public enum Tier { BRONZE, SILVER, GOLD }

  /** A POJO with nested POJO, boxed and primitive fields and arrays (PojoSerializer, fields sorted by name). */
  public static class Profile {
    public String name;
    public long total;
    public int visits;
    public Integer maybe;
    public double score;
    public float ratio;
    public short small;
    public byte tiny;
    public boolean active;
    public char initial;
    public Tier tier;
    public Address address;
    public int[] recent;
    public String[] labels;
    public byte[] raw;
    public Profile() {}
  }

  public static class Address {
    public String city;
    public int zip;
    public Address() {}
  }

  /** Collection fields: Kryo in Flink 1.x, Flink's own List/Map serializers in 2.x. */
  public static class Basket {
    public List<String> items = new ArrayList<>();
    public Map<String, Integer> counts = new HashMap<>();
    public Basket() {}
  }

  /** No default constructor: a generic type, serialized with Kryo. */
  public static final class Opaque {
    private final String text;
    public Opaque(String text) { this.text = text; }
    @Override public String toString() { return text; }
  }

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "state-job";
    String progress = args.length > 1 ? args[1] : "/tmp/state-job.txt";
    String backend = args.length > 2 ? args[2] : "hashmap";
    boolean compressed = args.length > 3 && args[3].equals("compressed");
    Configuration conf = new Configuration();
    conf.set(ConfigOptions.key("state.backend.type").stringType().noDefaultValue(), backend);
    conf.set(ConfigOptions.key("execution.checkpointing.snapshot-compression").booleanType().defaultValue(false), compressed);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    DataGeneratorSource<Long> source = new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.LONG);
    var events = env.fromSource(source, WatermarkStrategy.noWatermarks(), "events").uid("events").filter(i -> i < EVENTS).uid("first-events");
    events.keyBy(i -> STRING_KEYS[(int) (i % STRING_KEYS.length)], Types.STRING)
        .process(new Keep<String>(progress)).uid("by-string").name("by-string").setMaxParallelism(128)
        .keyBy(i -> LONG_KEYS[(int) (i % LONG_KEYS.length)], Types.LONG)
        .process(new Keep<Long>(progress)).uid("by-long").name("by-long").setMaxParallelism(256)
        .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()).uid("sink").name("sink");
    env.execute(name);
  }

  /** Applies event i to every state of the current key; passes i on. */
  public static class Keep<K> extends KeyedProcessFunction<K, Long, Long> {
    private final String progress;
    private transient ValueState<Long> count;
    private transient ValueState<String> last;
    private transient MapState<String, Long> perKind;
    private transient ListState<String> history;
    private transient ValueState<Profile> profile;
    private transient ValueState<Basket> basket;
    private transient ReducingState<Long> sum;
    private transient AggregatingState<Long, Double> average;
    private transient ValueState<Long> ttl;
    private transient ValueState<Row> row;
    private transient ValueState<Opaque> opaque;
    private transient ValueState<GenericRecord> avro;
    private transient Schema schema;

    public Keep(String progress) { this.progress = progress; }

    @Override public void open(OpenContext c) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", Types.STRING));
      perKind = getRuntimeContext().getMapState(new MapStateDescriptor<>("per-kind", Types.STRING, Types.LONG));
      history = getRuntimeContext().getListState(new ListStateDescriptor<>("history", Types.STRING));
      profile = getRuntimeContext().getState(new ValueStateDescriptor<>("profile", TypeInformation.of(Profile.class)));
      basket = getRuntimeContext().getState(new ValueStateDescriptor<>("basket", TypeInformation.of(Basket.class)));
      sum = getRuntimeContext().getReducingState(new ReducingStateDescriptor<>("sum", (a, b) -> a + b, Types.LONG));
      average = getRuntimeContext().getAggregatingState(
          new AggregatingStateDescriptor<>("average", new Average(), Types.TUPLE(Types.LONG, Types.LONG)));
      ValueStateDescriptor<Long> ttlDescriptor = new ValueStateDescriptor<>("ttl-count", Types.LONG);
      ttlDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(1)).build());
      ttl = getRuntimeContext().getState(ttlDescriptor);
      row = getRuntimeContext().getState(new ValueStateDescriptor<>("row",
          Types.ROW_NAMED(new String[] {"id", "label", "flag"}, Types.LONG, Types.STRING, Types.BOOLEAN)));
      opaque = getRuntimeContext().getState(new ValueStateDescriptor<>("opaque", TypeInformation.of(Opaque.class)));
      schema = new Schema.Parser().parse(AVRO_SCHEMA);
      avro = getRuntimeContext().getState(new ValueStateDescriptor<>("avro", new GenericRecordAvroTypeInfo(schema)));
    }

    @Override public void processElement(Long i, Context ctx, Collector<Long> out) throws Exception {
      long n = count.value() == null ? 1 : count.value() + 1;
      count.update(n);
      last.update("e" + i);
      String kind = new String[] {"a", "b", "c"}[(int) (i % 3)];
      perKind.put(kind, (perKind.contains(kind) ? perKind.get(kind) : 0L) + i);
      history.add("e" + i);
      sum.add(i);
      average.add(i);
      ttl.update(n * 10);
      Profile p = profile.value() == null ? new Profile() : profile.value();
      p.name = String.valueOf(ctx.getCurrentKey());
      p.total += i;
      p.visits = (int) n;
      p.maybe = n % 2 == 0 ? null : (int) n;
      p.score = p.total / 4.0;
      p.ratio = n / 2.0f;
      p.small = (short) (n * -3);
      p.tiny = (byte) (n + 100);
      p.active = n % 2 == 1;
      p.initial = p.name.isEmpty() ? '?' : p.name.charAt(0);
      p.tier = Tier.values()[(int) (n % 3)];
      p.address = new Address();
      p.address.city = "City " + n;
      p.address.zip = 10000 + (int) n;
      p.recent = new int[] {(int) (i - 1), i.intValue()};
      p.labels = new String[] {"L" + n, null};
      p.raw = new byte[] {(byte) n, (byte) 0xff};
      profile.update(p);
      Basket b = basket.value() == null ? new Basket() : basket.value();
      b.items.add("e" + i);
      b.counts.put(kind, b.counts.getOrDefault(kind, 0) + 1);
      basket.update(b);
      row.update(Row.of(i, "row-" + n, n % 2 == 0));
      opaque.update(new Opaque("opaque-" + n));
      GenericRecord visit = new GenericData.Record(schema);
      visit.put("key", String.valueOf(ctx.getCurrentKey()));
      visit.put("count", n);
      visit.put("big", 9_007_199_254_740_993L + n);
      visit.put("events", new ArrayList<>(b.items));
      visit.put("half", n % 2 == 0 ? null : p.total / 2.0);
      avro.update(visit);
      ctx.timerService().registerProcessingTimeTimer(TIMER_AT);
      synchronized (StateJob.class) {
        try (FileWriter w = new FileWriter(progress, true)) { w.write(ctx.getCurrentKey() + "," + i + "\n"); } catch (IOException e) { throw new RuntimeException(e); }
      }
      out.collect(i);
    }
  }

  /** Average of the values seen; the accumulator is a Tuple2 (sum, count). */
  public static class Average implements AggregateFunction<Long, Tuple2<Long, Long>, Double> {
    @Override public Tuple2<Long, Long> createAccumulator() { return Tuple2.of(0L, 0L); }
    @Override public Tuple2<Long, Long> add(Long v, Tuple2<Long, Long> acc) { return Tuple2.of(acc.f0 + v, acc.f1 + 1); }
    @Override public Double getResult(Tuple2<Long, Long> acc) { return acc.f1 == 0 ? 0.0 : (double) acc.f0 / acc.f1; }
    @Override public Tuple2<Long, Long> merge(Tuple2<Long, Long> a, Tuple2<Long, Long> b) { return Tuple2.of(a.f0 + b.f0, a.f1 + b.f1); }
  }
}
