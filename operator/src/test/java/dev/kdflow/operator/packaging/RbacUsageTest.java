package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.operator.packaging.RbacUsage.Permission;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RbacUsageTest {
  static final String OPERATOR = "system:serviceaccount:kdflow-system:kdflow";

  static String event(
      String user, String verb, String group, String resource, String sub, int code) {
    String ref =
        "{\"resource\":\"%s\",\"namespace\":\"ml\"%s%s}"
            .formatted(
                resource,
                group.isEmpty() ? "" : ",\"apiGroup\":\"" + group + "\"",
                sub == null ? "" : ",\"subresource\":\"" + sub + "\"");
    return ("{\"kind\":\"Event\",\"stage\":\"ResponseComplete\",\"verb\":\"%s\","
            + "\"requestURI\":\"/x\",\"user\":{\"username\":\"%s\"},\"objectRef\":%s,"
            + "\"responseStatus\":{\"code\":%d}}")
        .formatted(verb, user, ref, code);
  }

  @Test
  void readsTheUsersRequestsWithSubresourcesAndCoreGroup() {
    RbacUsage usage =
        RbacUsage.of(
            OPERATOR,
            List.of(
                event(OPERATOR, "watch", "kdflow.dev", "kdexperiments", null, 200),
                event(OPERATOR, "patch", "kdflow.dev", "kdexperiments", "status", 200),
                event(OPERATOR, "delete", "", "configmaps", null, 200),
                event("system:serviceaccount:other:app", "get", "", "secrets", null, 200),
                "",
                "{\"kind\":\"Event\",\"verb\":\"get\",\"requestURI\":\"/version\","
                    + "\"user\":{\"username\":\""
                    + OPERATOR
                    + "\"}}"));

    assertThat(usage.used())
        .containsExactlyInAnyOrder(
            new Permission("watch", "kdflow.dev", "kdexperiments"),
            new Permission("patch", "kdflow.dev", "kdexperiments/status"),
            new Permission("delete", "", "configmaps"));
    assertThat(usage.forbidden()).isEmpty();
  }

  @Test
  void anApplyThatCreatedTheObjectAlsoUsedCreate() {
    RbacUsage usage =
        RbacUsage.of(
            OPERATOR,
            List.of(
                event(OPERATOR, "patch", "batch", "jobs", null, 201),
                event(OPERATOR, "patch", "", "configmaps", null, 200)));

    assertThat(usage.used())
        .containsExactlyInAnyOrder(
            new Permission("patch", "batch", "jobs"),
            new Permission("create", "batch", "jobs"),
            new Permission("patch", "", "configmaps"));
  }

  @Test
  void aRefusedRequestIsForbiddenAndNotUsed() {
    RbacUsage usage =
        RbacUsage.of(OPERATOR, List.of(event(OPERATOR, "list", "", "secrets", null, 403)));

    assertThat(usage.used()).isEmpty();
    assertThat(usage.forbidden())
        .singleElement()
        .satisfies(
            r -> assertThat(r.permission()).isEqualTo(new Permission("list", "", "secrets")));
  }

  @Test
  void grantedExpandsEveryGroupResourceAndVerb() {
    var rule =
        new PolicyRuleBuilder()
            .withApiGroups("")
            .withResources("configmaps", "pods")
            .withVerbs("get", "list")
            .build();

    assertThat(RbacUsage.granted(List.of(rule)))
        .containsExactly(
            new Permission("get", "", "configmaps"),
            new Permission("get", "", "pods"),
            new Permission("list", "", "configmaps"),
            new Permission("list", "", "pods"));
  }
}
