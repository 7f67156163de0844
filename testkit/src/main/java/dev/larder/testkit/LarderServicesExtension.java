package dev.larder.testkit;

import dev.larder.testkit.internal.MongoRequirement;
import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit Jupiter extension that hands tests the shared servers and honours {@link RequiresMongo}.
 *
 * <p>Resolves constructor, lifecycle-method and test-method parameters of type {@link RedisServer},
 * {@link PostgresCluster}, {@link MongoServer} and {@link Tier} from {@link LarderServices}
 * (starting the server on first use). Use it through {@link LarderTest},
 * {@code @ExtendWith(LarderServicesExtension.class)} or {@link RequiresMongo}.
 */
public final class LarderServicesExtension implements ParameterResolver, ExecutionCondition {

  /** Creates the extension; JUnit does this. */
  public LarderServicesExtension() {}

  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == RedisServer.class
        || type == PostgresCluster.class
        || type == MongoServer.class
        || type == Tier.class;
  }

  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    if (type == RedisServer.class) {
      return LarderServices.redis();
    }
    if (type == PostgresCluster.class) {
      return LarderServices.postgres();
    }
    if (type == MongoServer.class) {
      return LarderServices.mongo();
    }
    return LarderServices.tier();
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<AnnotatedElement> element = context.getElement();
    Optional<RequiresMongo> requires =
        element.flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresMongo.class));
    if (requires.isEmpty()) {
      return ConditionEvaluationResult.enabled("no @RequiresMongo");
    }
    MongoServer mongo = LarderServices.mongo();
    Set<MongoFeature> missing = MongoRequirement.missing(mongo.features(), requires.get().value());
    return missing.isEmpty()
        ? ConditionEvaluationResult.enabled(
            "MongoDB " + mongo.flavour() + " has " + Set.of(requires.get().value()))
        : ConditionEvaluationResult.disabled(MongoRequirement.reason(missing, mongo.flavour()));
  }
}
