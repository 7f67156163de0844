package dev.larder.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that takes testkit servers as parameters: a shorthand for
 * {@code @ExtendWith(LarderServicesExtension.class)}.
 *
 * <pre>{@code
 * @LarderTest
 * class OrderCacheIT {
 *     @Test
 *     void readsThrough(RedisServer redis, PostgresCluster postgres) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(LarderServicesExtension.class)
public @interface LarderTest {}
