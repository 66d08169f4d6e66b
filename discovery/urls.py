"""Discovery page URLs, written out in full so they can be read and grepped."""

from django.urls import path

from discovery import views, views_directory, views_rules

app_name = "discovery"

urlpatterns = [
    path("credentials/", views.CredentialListView.as_view(), name="credential_list"),
    path("credentials/add/", views.CredentialEditView.as_view(), name="credential_add"),
    path("credentials/edit/", views.CredentialBulkEditView.as_view(), name="credential_bulk_edit"),
    path("credentials/delete/", views.CredentialBulkDeleteView.as_view(), name="credential_bulk_delete"),
    path("credentials/<int:pk>/", views.CredentialDetailView.as_view(), name="credential_detail"),
    path("credentials/<int:pk>/edit/", views.CredentialEditView.as_view(), name="credential_edit"),
    path("credentials/<int:pk>/delete/", views.CredentialDeleteView.as_view(), name="credential_delete"),
    path("credential-sets/", views.CredentialSetListView.as_view(), name="credentialset_list"),
    path("credential-sets/add/", views.CredentialSetEditView.as_view(), name="credentialset_add"),
    path("credential-sets/edit/", views.CredentialSetBulkEditView.as_view(), name="credentialset_bulk_edit"),
    path("credential-sets/delete/", views.CredentialSetBulkDeleteView.as_view(), name="credentialset_bulk_delete"),
    path("credential-sets/<int:pk>/", views.CredentialSetDetailView.as_view(), name="credentialset_detail"),
    path("credential-sets/<int:pk>/edit/", views.CredentialSetEditView.as_view(), name="credentialset_edit"),
    path("credential-sets/<int:pk>/delete/", views.CredentialSetDeleteView.as_view(), name="credentialset_delete"),
    path("scopes/", views.ScopeListView.as_view(), name="scope_list"),
    path("scopes/add/", views.ScopeEditView.as_view(), name="scope_add"),
    path("scopes/edit/", views.ScopeBulkEditView.as_view(), name="scope_bulk_edit"),
    path("scopes/delete/", views.ScopeBulkDeleteView.as_view(), name="scope_bulk_delete"),
    path("scopes/<int:pk>/", views.ScopeDetailView.as_view(), name="scope_detail"),
    path("scopes/<int:pk>/edit/", views.ScopeEditView.as_view(), name="scope_edit"),
    path("scopes/<int:pk>/delete/", views.ScopeDeleteView.as_view(), name="scope_delete"),
    path("scopes/<int:pk>/discover/", views.ScopeDiscoverView.as_view(), name="scope_discover"),
    path("runs/", views.DiscoveryRunListView.as_view(), name="run_list"),
    path("runs/add/", views.DiscoveryRunAddView.as_view(), name="run_add"),
    path("runs/<int:pk>/", views.DiscoveryRunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/status.json", views.DiscoveryRunStatusView.as_view(), name="run_status"),
    path("host-keys/", views.HostKeyListView.as_view(), name="hostkey_list"),
    path("host-keys/delete/", views.HostKeyBulkDeleteView.as_view(), name="hostkey_bulk_delete"),
    path("host-keys/<int:pk>/", views.HostKeyDetailView.as_view(), name="hostkey_detail"),
    path("host-keys/<int:pk>/delete/", views.HostKeyDeleteView.as_view(), name="hostkey_delete"),
    path("host-keys/<int:pk>/retrust/", views.HostKeyRetrustView.as_view(), name="hostkey_retrust"),
    path("directory-sources/", views_directory.DirectorySourceListView.as_view(), name="directorysource_list"),
    path("directory-sources/add/", views_directory.DirectorySourceEditView.as_view(), name="directorysource_add"),
    path("directory-sources/edit/", views_directory.DirectorySourceBulkEditView.as_view(),
         name="directorysource_bulk_edit"),
    path("directory-sources/delete/", views_directory.DirectorySourceBulkDeleteView.as_view(),
         name="directorysource_bulk_delete"),
    path("directory-sources/<int:pk>/", views_directory.DirectorySourceDetailView.as_view(),
         name="directorysource_detail"),
    path("directory-sources/<int:pk>/edit/", views_directory.DirectorySourceEditView.as_view(),
         name="directorysource_edit"),
    path("directory-sources/<int:pk>/delete/", views_directory.DirectorySourceDeleteView.as_view(),
         name="directorysource_delete"),
    path("directory-sources/<int:pk>/sync/", views_directory.DirectorySourceSyncView.as_view(),
         name="directorysource_sync"),
]
urlpatterns += views_rules.urlpatterns
