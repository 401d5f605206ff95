package org.loyaltyengine.member;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tier.TierLookup;

import java.time.Clock;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

/** Enrolment, profile changes, and the two cached reads: status and loyalty profile. */
public final class MemberRoutes {
  private static final Set<String> PROFILE_FIELDS =
      Set.of("email", "phone", "firstName", "lastName", "birthDate", "attributes");
  private static final Set<String> CREATE_FIELDS = union(PROFILE_FIELDS, "externalId");
  private static final Set<String> PATCH_FIELDS = union(PROFILE_FIELDS, "status");
  private static final int MAX_ATTRIBUTES = 50;

  private final MemberRepository members;
  private final MemberLookup lookup;
  private final TierLookup tiers;
  private final Clock clock;

  public MemberRoutes(MemberRepository members, MemberLookup lookup, TierLookup tiers, Clock clock) {
    this.members = members;
    this.lookup = lookup;
    this.tiers = tiers;
    this.clock = clock;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/members").handler(auth.require(Scope.POS)).handler(this::enrol);
    router.patch("/v1/members/:externalId").handler(auth.require(Scope.ADMIN)).handler(this::change);
    // the document is read with the rate limits: one Redis call per read
    ApiKeyAuthenticator.ReadAhead document = lookup.readAhead();
    router.get("/v1/members/:externalId/status").handler(auth.require(document, Scope.READ, Scope.POS)).handler(this::status);
    router.get("/v1/members/:externalId").handler(auth.require(document, Scope.READ, Scope.POS)).handler(this::profile);
  }

  private void enrol(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx).allowOnly(CREATE_FIELDS);
    LocalDate today = LocalDate.now(clock);
    NewMember member = new NewMember(
        MemberRules.externalId("externalId", in.requiredString("externalId", 1, 64)),
        MemberRules.email(in.optionalString("email", 3, 254).orElse(null)),
        MemberRules.phone(in.optionalString("phone", 5, 25).orElse(null)),
        in.optionalString("firstName", 1, 100).orElse(null),
        in.optionalString("lastName", 1, 100).orElse(null),
        MemberRules.birthDate(in.optionalDate("birthDate").orElse(null), today),
        in.optionalStringMap("attributes", MAX_ATTRIBUTES, 64, 256).orElse(Map.of()));
    // the new member's document is stored before the answer: the read model stays complete (no miss to come)
    Responses.reply(ctx, 201, members.create(caller.tenantId(), member).compose(m ->
        lookup.refresh(caller.tenantId(), m.externalId()).compose(v -> tiers.active(caller.tenantId()))
            .map(t -> MemberJson.profile(m, t))));
  }

  private void change(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String externalId = ctx.pathParam("externalId");
    if (!MemberRules.isPlausibleExternalId(externalId)) {
      throw MemberLookup.notFound(externalId);
    }
    JsonInput in = JsonInput.of(ctx).allowOnly(PATCH_FIELDS);
    LocalDate today = LocalDate.now(clock);
    if (in.isNull("status")) {
      throw Rejection.invalid("status", "status cannot be cleared; use active or blocked");
    }
    MemberChanges changes = new MemberChanges(
        change(in, "email", () -> MemberRules.email(in.optionalString("email", 3, 254).orElse(null))),
        change(in, "phone", () -> MemberRules.phone(in.optionalString("phone", 5, 25).orElse(null))),
        change(in, "firstName", () -> in.optionalString("firstName", 1, 100).orElse(null)),
        change(in, "lastName", () -> in.optionalString("lastName", 1, 100).orElse(null)),
        change(in, "birthDate", () -> MemberRules.birthDate(in.optionalDate("birthDate").orElse(null), today)),
        change(in, "attributes", () -> in.optionalStringMap("attributes", MAX_ATTRIBUTES, 64, 256).orElse(Map.of())),
        change(in, "status", () -> MemberStatus.parse("status", in.requiredString("status", 1, 16))));
    if (changes.isEmpty()) {
      throw new Rejection(Rejection.Kind.INVALID, "no_changes", "the body names no field to change", null);
    }
    Responses.reply(ctx, 200, tiers.active(caller.tenantId()).compose(tierSet -> lookup.find(caller.tenantId(), externalId)
        .onSuccess(old -> org.loyaltyengine.audit.AuditRoutes.before(ctx, MemberJson.profile(old, tierSet))) // the audit trail's "before"
        .compose(old -> members.update(caller.tenantId(), externalId, changes, tierSet.windowDays())
            .compose(updated -> updated.isEmpty()
                ? io.vertx.core.Future.<MemberSnapshot>failedFuture(MemberLookup.notFound(externalId))
                // awaited, so the caller's next read sees the change (read-your-writes)
                : lookup.refreshKeepingHistory(caller.tenantId(), externalId).map(v -> updated.get()))
            .map(m -> MemberJson.profile(m, tierSet)))));
  }

  private void status(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    lookup.view(caller.tenantId(), ctx.pathParam("externalId"), ApiKeyAuthenticator.readAhead(ctx))
        .onSuccess(m -> Responses.json(ctx, 200, Responses.bytes(m.encode(), m.statusOffset(), m.statusLength())))
        .onFailure(ctx::fail);
  }

  private void profile(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    lookup.view(caller.tenantId(), ctx.pathParam("externalId"), ApiKeyAuthenticator.readAhead(ctx))
        .onSuccess(m -> Responses.json(ctx, 200, Responses.bytes(m.encode(), m.profileOffset(), m.profileLength())))
        .onFailure(ctx::fail);
  }

  private static <T> MemberChanges.Change<T> change(JsonInput in, String field, java.util.function.Supplier<T> value) {
    return in.has(field) ? MemberChanges.Change.to(value.get()) : MemberChanges.Change.none();
  }

  private static Set<String> union(Set<String> base, String extra) {
    java.util.HashSet<String> out = new java.util.HashSet<>(base);
    out.add(extra);
    return Set.copyOf(out);
  }
}
