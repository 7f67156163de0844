package dev.larder.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Declares that a test (method or class) needs MongoDB features the stand-in may lack. Where {@link
 * LarderServices#mongo()} lacks any of them, the test is skipped (not failed) with a reason naming
 * the missing features and the flavour, in that flavour only; where they are present it runs.
 * Evaluating the condition starts MongoDB if it is not running yet; if it cannot start, the test
 * fails with the reason.
 *
 * <pre>{@code
 * @Test
 * @RequiresMongo(MongoFeature.TRANSACTIONS)
 * void commitsBothWritesOrNeither(MongoServer mongo) { ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(LarderServicesExtension.class)
public @interface RequiresMongo {

  /**
   * The features the test needs.
   *
   * @return the features, all required
   */
  MongoFeature[] value();
}
