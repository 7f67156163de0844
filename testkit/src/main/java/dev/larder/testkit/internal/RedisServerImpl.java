package dev.larder.testkit.internal;

import dev.larder.testkit.RedisServer;
import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

/** A Redis node in either tier; the tier lives in the {@link Lifecycle}. */
public final class RedisServerImpl extends LifecycleServer implements RedisServer {

    private final String name;
    private final int port;
    private final Lifecycle lifecycle;

    /**
     * Wraps a started server.
     *
     * @param name for logs
     * @param port its loopback port
     * @param lifecycle its fault hooks
     */
    public RedisServerImpl(String name, int port, Lifecycle lifecycle) {
        this.name = name;
        this.port = port;
        this.lifecycle = lifecycle;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String host() {
        return Ports.LOOPBACK;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String uri() {
        return "redis://" + Ports.LOOPBACK + ":" + port;
    }

    @Override
    public Config redissonConfig() {
        Config config = new Config();
        // Two cores on the build machines: Redisson's defaults (16 threads, 32 netty threads,
        // 24 idle connections) make each client cost more than the test using it.
        config.setThreads(2);
        config.setNettyThreads(4);
        config.useSingleServer()
                .setAddress(uri())
                .setConnectTimeout(1000)
                .setTimeout(1000)
                .setRetryAttempts(2)
                .setRetryDelay(new ConstantDelay(Duration.ofMillis(200)))
                .setConnectionMinimumIdleSize(1)
                .setConnectionPoolSize(4)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionPoolSize(4);
        return config;
    }

    @Override
    public RedissonClient newRedissonClient() {
        return Redisson.create(redissonConfig());
    }

    @Override
    public String uniqueKeyPrefix(String hint) {
        return Names.keyPrefix(hint);
    }

    @Override
    public void flushAll() {
        try {
            String reply = Resp.command(Ports.LOOPBACK, port, 5000, "FLUSHALL");
            if (!"+OK".equals(reply)) {
                throw new TestServerException(name + " answered FLUSHALL with '" + reply + "'");
            }
        } catch (IOException e) {
            throw new TestServerException(name + " did not answer FLUSHALL: " + e.getMessage(), e);
        }
    }

    @Override
    protected Lifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public String toString() {
        return name + " at " + uri();
    }
}
