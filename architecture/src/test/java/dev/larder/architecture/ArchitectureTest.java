package dev.larder.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The rules the README states about Larder's published modules, checked over their main classes
 * (the jars on this module's test class path), so a change that breaks one fails the build.
 */
class ArchitectureTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.larder");

  /**
   * Which Larder modules each module may use, as the root README draws them: {@code core ←
   * resilience ← {cache, jdbc, mongo}}, mongo's optional cached repository on cache, and testkit on
   * core only. cache never depends on jdbc or mongo: database-sourced invalidation flows through
   * core's SPI.
   */
  private static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("core", Set.of());
    ALLOWED.put("resilience", Set.of("core"));
    ALLOWED.put("cache", Set.of("core", "resilience"));
    ALLOWED.put("jdbc", Set.of("core", "resilience"));
    ALLOWED.put("mongo", Set.of("core", "resilience", "cache"));
    ALLOWED.put("testkit", Set.of("core"));
  }

  /**
   * The one internal package other modules may use: core's shared helpers (argument checks, the
   * invalidation plumbing), documented as such in its package-info. Every other module's {@code
   * internal} package is its own.
   */
  private static final String SHARED_INTERNAL = "dev.larder.core.internal";

  @Test
  void everyModuleIsImported() {
    for (String module : ALLOWED.keySet()) {
      boolean found =
          CLASSES.stream().anyMatch(c -> c.getPackageName().startsWith("dev.larder." + module));
      if (!found) {
        throw new AssertionError("no class of module " + module + " was imported");
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> modulesDependOnlyInTheDirectionTheReadmeStates() {
    return ALLOWED.entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey() + " uses only " + e.getValue(),
                    () -> {
                      List<String> forbidden = new ArrayList<>();
                      for (String other : ALLOWED.keySet()) {
                        if (!other.equals(e.getKey()) && !e.getValue().contains(other)) {
                          forbidden.add("dev.larder." + other + "..");
                        }
                      }
                      noClasses()
                          .that()
                          .resideInAPackage("dev.larder." + e.getKey() + "..")
                          .should()
                          .dependOnClassesThat()
                          .resideInAnyPackage(forbidden.toArray(String[]::new))
                          .check(CLASSES);
                    }));
  }

  @TestFactory
  Stream<DynamicTest> internalPackagesAreUsedOnlyByTheirOwnModuleOrThroughTheSharedSeam() {
    return ALLOWED.keySet().stream()
        .filter(m -> !SHARED_INTERNAL.equals("dev.larder." + m + ".internal"))
        .map(
            m ->
                DynamicTest.dynamicTest(
                    "dev.larder." + m + ".internal",
                    () ->
                        noClasses()
                            .that()
                            .resideOutsideOfPackage("dev.larder." + m + "..")
                            .should()
                            .dependOnClassesThat()
                            .resideInAPackage("dev.larder." + m + ".internal..")
                            .check(CLASSES)));
  }

  @Test
  void noPublicSignatureExposesAnInternalType() {
    ArchRule rule =
        ArchRuleDefinition.classes()
            .that(API)
            .should(exposeNoInternalType())
            .because(
                "internal types may change in any release; users must not be able to name them");
    rule.check(CLASSES);
  }

  @Test
  void modulesAreFreeOfCycles() {
    slices().matching("dev.larder.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  /**
   * No cycle between packages, where a package and its {@code internal} subpackage count as one: an
   * API package's builder constructs its implementation and the implementation implements the API's
   * interfaces (Jdbi's and Caffeine's shape), which is the seam, not a tangle. Any other cycle
   * (keyset and its module, invalidation and its module, two modules) fails.
   */
  @Test
  void packagesAreFreeOfCyclesCountingEachWithItsInternalPackage() {
    slices().assignedFrom(PACKAGE_WITH_ITS_INTERNAL).should().beFreeOfCycles().check(CLASSES);
  }

  private static final SliceAssignment PACKAGE_WITH_ITS_INTERNAL =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          String p = c.getPackageName();
          if (!p.startsWith("dev.larder.")) {
            return SliceIdentifier.ignore();
          }
          int at = p.indexOf(".internal");
          return SliceIdentifier.of(at < 0 ? p : p.substring(0, at));
        }

        @Override
        public String getDescription() {
          return "Larder's packages, each with its internal subpackage";
        }
      };

  /** Types a user can name: public, outside internal packages, enclosed only by such types. */
  private static final DescribedPredicate<JavaClass> API =
      new DescribedPredicate<>("are public API (public, not in an internal package)") {
        @Override
        public boolean test(JavaClass c) {
          if (c.getPackageName().contains(".internal")) {
            return false;
          }
          for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            if (!k.getModifiers().contains(JavaModifier.PUBLIC)) {
              return false;
            }
          }
          return true;
        }
      };

  private static ArchCondition<JavaClass> exposeNoInternalType() {
    return new ArchCondition<>("expose no internal type in a public or protected signature") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        List<JavaType> supertypes = new ArrayList<>();
        c.getRawSuperclass().ifPresent(supertypes::add);
        supertypes.addAll(c.getInterfaces());
        for (JavaType t : supertypes) {
          report(c, "extends or implements", t, c.getName(), events);
        }
        for (JavaField f : c.getFields()) {
          if (visible(f.getModifiers())) {
            report(c, "field " + f.getName(), f.getType(), c.getName(), events);
          }
        }
        for (JavaCodeUnit u : c.getCodeUnits()) {
          if (!visible(u.getModifiers()) || u.getModifiers().contains(JavaModifier.SYNTHETIC)) {
            continue;
          }
          String where = u.getFullName();
          report(c, "returns", u.getReturnType(), where, events);
          for (JavaType p : u.getParameterTypes()) {
            report(c, "takes", p, where, events);
          }
          for (JavaClass x : u.getExceptionTypes()) {
            report(c, "throws", x, where, events);
          }
        }
      }
    };
  }

  private static boolean visible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }

  private static void report(
      JavaClass owner, String how, JavaType type, String where, ConditionEvents events) {
    for (JavaClass raw : type.getAllInvolvedRawTypes()) {
      if (raw.getPackageName().startsWith("dev.larder.")
          && raw.getPackageName().contains(".internal")) {
        events.add(
            SimpleConditionEvent.violated(
                owner, where + " " + how + " internal type " + raw.getName()));
      }
    }
  }
}
