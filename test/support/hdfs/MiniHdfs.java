// A real HDFS for the tests: Hadoop's MiniDFSCluster (NameNode with WebHDFS, one DataNode) in one JVM, every
// address on 127.0.0.1 and a free port. Compiled with javac at test time (test/support/hdfs.ts) against
// hadoop-client-minicluster from Maven Central.
//
// Usage: java -cp <jars>:<classes> MiniHdfs <base dir> [--ha]
//   --ha: two NameNodes in the name service "minidfs-ns" (nn1 standby, nn2 active), so that a client trying
//         nn1 first meets a real StandbyException.
// Prints one line "MINIHDFS {json}" when the cluster is up, then runs until stdin closes or SIGTERM.
import java.io.InputStream;
import java.net.InetSocketAddress;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.hdfs.server.datanode.DataNode;

public class MiniHdfs {
  public static void main(String[] args) throws Exception {
    boolean ha = args.length > 1 && args[1].equals("--ha");
    Configuration conf = new HdfsConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, args[0]);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setInt("dfs.replication", 1);
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    conf.set("dfs.datanode.hostname", "127.0.0.1"); // the address WebHDFS redirects CREATE and OPEN to
    conf.set("hadoop.security.authentication", "simple");
    conf.setBoolean("dfs.permissions.enabled", true);
    // Small and quick: the tests write tiny files, and a test run must not wait for heartbeats.
    conf.setLong("dfs.heartbeat.interval", 1);
    conf.setInt("dfs.namenode.handler.count", 4);
    conf.setInt("dfs.datanode.handler.count", 4);

    MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true);
    if (ha) {
      builder.nnTopology(MiniDFSNNTopology.simpleHATopology(2));
      // The DataNode's WebHDFS writes through a client of the name service: it fails over as every client does.
      conf.set("dfs.client.failover.proxy.provider.minidfs-ns", "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
    }
    else builder.nameNodePort(0).nameNodeHttpPort(0);
    final MiniDFSCluster cluster = builder.build();
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown));
    if (ha) cluster.transitionToActive(1);
    cluster.waitActive();

    StringBuilder json = new StringBuilder("{\"namenodes\":[");
    int count = ha ? 2 : 1;
    for (int i = 0; i < count; i++) {
      InetSocketAddress http = cluster.getNameNode(i).getHttpAddress();
      if (i > 0) json.append(',');
      json.append("{\"id\":\"nn").append(i + 1).append("\",\"rpc\":").append(cluster.getNameNodePort(i))
          .append(",\"http\":").append(http.getPort())
          .append(",\"state\":\"").append(cluster.getNameNode(i).isActiveState() ? "active" : "standby").append("\"}");
    }
    DataNode dn = cluster.getDataNodes().get(0);
    json.append("],\"nameservice\":").append(ha ? "\"minidfs-ns\"" : "null")
        .append(",\"datanodeHttp\":").append(dn.getInfoPort()).append('}');
    System.out.println("MINIHDFS " + json);
    System.out.flush();

    // The parent closing our stdin (or dying) ends the cluster: no HDFS outlives its test run.
    InputStream in = System.in;
    while (in.read() != -1) {
      // nothing is sent on stdin
    }
    System.exit(0);
  }
}
