/**
 * What a case-file page shows once on arrival, from the page that sent the person there:
 * the warnings of the form that created it. In memory only, never in the address bar.
 */
export const caseNotice = $state<{ caseId: string; warnings: Record<string, string>; created: boolean }>({
	caseId: '',
	warnings: {},
	created: false
});
