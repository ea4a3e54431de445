//! Roles, departments and what each role may do (SPEC §1). Codes are stored in the
//! database; labels live in the locale files.

code_enum!(
    /// A user's role. Regulator-side roles belong to a bureau; supervised-side roles are
    /// bound to one record (an enterprise, a certification body, a laboratory).
    Role {
        Administrator = "administrator",
        Officer = "officer",
        Inspector = "inspector",
        LegalReviewer = "legal_reviewer",
        EnterpriseUser = "enterprise_user",
        CertificationBodyUser = "certification_body_user",
        LaboratoryUser = "laboratory_user",
    }
);

code_enum!(
    /// The departments every bureau has (SPEC §1).
    Department {
        QualitySupervision = "quality_supervision",
        LicenceSupervision = "licence_supervision",
        CertificationSupervision = "certification_supervision",
        Enforcement = "enforcement",
        Credit = "credit",
    }
);

code_enum!(
    /// The kind of record a supervised-side user is bound to.
    BindingKind {
        Enterprise = "enterprise",
        CertificationBody = "certification_body",
        Laboratory = "laboratory",
    }
);

/// What an actor may attempt; jurisdiction is checked separately, inside the store query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create, edit, lock and reset users of bureaus in the jurisdiction.
    ManageUsers,
    /// Create and edit bureaus and their jurisdictions.
    ManageOrganisations,
    /// Read users and bureaus of the jurisdiction.
    ReadStaff,
    /// Read and export the audit log of the jurisdiction.
    ReadAudit,
    /// Read the enterprise ledger of the jurisdiction.
    ReadEnterprises,
    /// Register and edit enterprises of the jurisdiction.
    EditEnterprises,
    /// See personal data unmasked (an audited sensitive read).
    UnmaskPersonalData,
    /// Open accounts for the supervised of the jurisdiction: certification bodies' and
    /// laboratories' users, and enterprises' self-registrations (confirm or reject).
    ManageSupervisedAccounts,
    /// Define the key-product lists of the jurisdiction's regions (R-CAT-2).
    ManageKeyProducts,
    /// Record hazards of the jurisdiction and take the bureau's steps on them: review, void,
    /// extensions, referral (R-HAZ-1, R-HAZ-2).
    RecordHazards,
    /// Launch campaigns for the jurisdiction and take supervision actions on its regions
    /// (R-CAMP-1, R-CAMP-2).
    ManageCampaigns,
}

impl Role {
    /// Roles that work for a bureau (have an organisation and a jurisdiction).
    pub fn is_regulator(self) -> bool {
        matches!(self, Role::Administrator | Role::Officer | Role::Inspector | Role::LegalReviewer)
    }

    /// The kind of record a supervised-side role is bound to.
    pub fn binding_kind(self) -> Option<BindingKind> {
        match self {
            Role::EnterpriseUser => Some(BindingKind::Enterprise),
            Role::CertificationBodyUser => Some(BindingKind::CertificationBody),
            Role::LaboratoryUser => Some(BindingKind::Laboratory),
            _ => None,
        }
    }

    /// R-AUTH-4: administrators must use a second factor.
    pub fn requires_second_factor(self) -> bool {
        self == Role::Administrator
    }

    pub fn can(self, permission: Permission) -> bool {
        match permission {
            Permission::ManageUsers | Permission::ManageOrganisations | Permission::ReadAudit => {
                self == Role::Administrator
            }
            Permission::ReadStaff | Permission::ReadEnterprises | Permission::UnmaskPersonalData => self.is_regulator(),
            Permission::EditEnterprises => matches!(self, Role::Administrator | Role::Officer | Role::Inspector),
            Permission::ManageSupervisedAccounts => matches!(self, Role::Administrator | Role::Officer),
            Permission::ManageKeyProducts | Permission::ManageCampaigns => {
                matches!(self, Role::Administrator | Role::Officer)
            }
            Permission::RecordHazards => matches!(self, Role::Administrator | Role::Officer | Role::Inspector),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(*r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_administrators_manage_users_and_need_a_second_factor() {
        for r in Role::ALL {
            assert_eq!(r.can(Permission::ManageUsers), *r == Role::Administrator);
            assert_eq!(r.requires_second_factor(), *r == Role::Administrator);
        }
    }

    #[test]
    fn supervised_roles_are_bound_to_one_record_kind() {
        assert_eq!(Role::EnterpriseUser.binding_kind(), Some(BindingKind::Enterprise));
        assert_eq!(Role::LaboratoryUser.binding_kind(), Some(BindingKind::Laboratory));
        assert_eq!(Role::Officer.binding_kind(), None);
        assert!(!Role::EnterpriseUser.can(Permission::ReadStaff));
    }

    #[test]
    fn administrators_and_officers_open_accounts_for_the_supervised() {
        let allowed: Vec<Role> =
            Role::ALL.iter().copied().filter(|r| r.can(Permission::ManageSupervisedAccounts)).collect();
        assert_eq!(allowed, vec![Role::Administrator, Role::Officer]);
    }
}
