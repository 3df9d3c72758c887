"""Every model, imported in one place so Alembic and create_app see the whole schema."""

from pdhub.accountdata.models import DataExport, RetentionNotice, RetentionRun
from pdhub.accounts.models import ApiToken, RecoveryCode, User, UserSession
from pdhub.admin.models import JobFailure
from pdhub.audit.models import AuditEvent
from pdhub.backpack.models import OutsideBadge
from pdhub.clr.models import ClrTranscript
from pdhub.coaching.models import (
    Booking,
    Conversation,
    ConversationMessage,
    OfficeHourSlot,
)
from pdhub.cohorts.models import Attendance, Cohort, CohortModule, CohortSession
from pdhub.communities.models import (
    Attachment,
    Community,
    CommunityMember,
    DigestSubscription,
    Draft,
    Follow,
    ModerationAction,
    Mute,
    Post,
    PostRevision,
    Reaction,
    Report,
    Thread,
    ThreadRead,
)
from pdhub.credentials.models import (
    Award,
    ExpiryReminder,
    IssuedCredential,
    IssuerKey,
    Renewal,
    StatusList,
)
from pdhub.districts.models import (
    CreditPolicy,
    District,
    ExternalDecision,
    ExternalLearning,
    HoursTarget,
    Invitation,
    ModuleCredit,
    School,
)
from pdhub.endorsements.models import Endorsement
from pdhub.equity.models import (
    EquityAction,
    EquityActionReminder,
    EquityAssessment,
    EquityConsensus,
    EquityCycle,
    EquityGoal,
    EquityRating,
    EquityReflection,
    EquityTeamMember,
)
from pdhub.impact.models import (
    FollowUpInvitation,
    ImpactGoal,
    LessonReport,
    ModuleFeedback,
    SurveyResponse,
)
from pdhub.learning.models import (
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
)
from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment
from pdhub.lti.models import (
    LtiContext,
    LtiDeepLink,
    LtiGradeLink,
    LtiLoginState,
    LtiRegistration,
    LtiToolKey,
)
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.obapi.models import OAuthAuthorizationCode, OAuthClient, OAuthToken
from pdhub.pathways.models import (
    Pathway,
    PathwayCompletion,
    PathwayOutsideStep,
    PathwayStep,
)
from pdhub.review.models import CoachAssignment, Review, ReviewClaim
from pdhub.sharing.models import Exemplar, ExemplarFile
from pdhub.sso.models import SsoConnection, SsoDomain
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.trust.models import TrustedIssuer
from pdhub.verification.models import (
    ReportSigningKey,
    VerificationBatch,
    VerificationItem,
)
from pdhub.wallets.models import WalletCredential, WalletExchange
from pdhub.workshops.models import Workshop, WorkshopAward, WorkshopRun

__all__ = [
    "ClassInventory",
    "LearnerSelfAssessment",
    "OAuthAuthorizationCode",
    "OAuthClient",
    "OAuthToken",
    "ClrTranscript",
    "AuditEvent",
    "DataExport",
    "RetentionNotice",
    "RetentionRun",
    "Attendance",
    "Booking",
    "Cohort",
    "CohortModule",
    "CohortSession",
    "Conversation",
    "ConversationMessage",
    "OfficeHourSlot",
    "Endorsement",
    "EquityAction",
    "EquityActionReminder",
    "EquityAssessment",
    "EquityConsensus",
    "EquityCycle",
    "EquityGoal",
    "EquityRating",
    "EquityReflection",
    "EquityTeamMember",
    "FollowUpInvitation",
    "ImpactGoal",
    "LessonReport",
    "ModuleFeedback",
    "SurveyResponse",
    "Attachment",
    "Community",
    "CommunityMember",
    "Draft",
    "Follow",
    "ModerationAction",
    "Mute",
    "Post",
    "PostRevision",
    "Reaction",
    "Report",
    "Thread",
    "ThreadRead",
    "ApiToken",
    "Artifact",
    "Award",
    "CreditPolicy",
    "HoursTarget",
    "District",
    "ExternalDecision",
    "ExternalLearning",
    "ModuleCredit",
    "EmailMessage",
    "Enrollment",
    "Invitation",
    "Lesson",
    "LessonProgress",
    "Module",
    "Notification",
    "QuizAttempt",
    "RecoveryCode",
    "School",
    "Submission",
    "SubmissionVersion",
    "User",
    "UserSession",
    "IssuedCredential",
    "IssuerKey",
    "StatusList",
    "ReportSigningKey",
    "VerificationBatch",
    "VerificationItem",
    "CoachAssignment",
    "JobFailure",
    "Review",
    "ReviewClaim",
    "TrustedIssuer",
    "LtiContext",
    "LtiDeepLink",
    "LtiGradeLink",
    "LtiLoginState",
    "LtiRegistration",
    "LtiToolKey",
    "DigestSubscription",
    "Exemplar",
    "ExemplarFile",
    "ExpiryReminder",
    "Renewal",
    "Pathway",
    "PathwayCompletion",
    "PathwayStep",
    "SsoConnection",
    "SsoDomain",
    "WalletCredential",
    "WalletExchange",
    "PathwayOutsideStep",
    "OutsideBadge",
    "Workshop",
    "WorkshopAward",
    "WorkshopRun",
]
