package org.loyaltyengine;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Domain code is plain Java. I/O pieces are named for what they are (…Repository, …Routes, …Cache,
 * …Lookup, …Verticle, …Json, …Authenticator, …History, …Client, …Replies, …Earner, …Simulator, …Relay, …Consumer, …Publisher, …Dispatcher, …Feed, …Sender,
 * …Worker, …Broker) or live in
 * http/platform/seed; everything else in a feature
 * package must not touch Vert.x.
 */
@DisplayName("Architecture")
class ArchitectureTest {
  static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("org.loyaltyengine");

  @Test
  @DisplayName("domain classes do not depend on Vert.x")
  void domainIsPlainJava() {
    noClasses()
        .that().resideOutsideOfPackages("..http..", "..platform..", "..seed..")
        .and().haveNameNotMatching(".*(Repository|Routes|Cache|Lookup|Verticle|Json|Authenticator|History|Client|Replies|Earner|Codec|Simulator|Relay|Consumer|Publisher|Dispatcher|Feed|Sender|Worker|Broker)(\\$.*)?")
        .and().doNotHaveFullyQualifiedName("org.loyaltyengine.Main")
        .should().dependOnClassesThat().resideInAPackage("io.vertx..")
        .check(CLASSES);
  }
}
