/**
 * What a case-file page shows once on arrival, from the page that sent the person there:
 * that it was just created (the page itself names any personal data in it). In memory only,
 * never in the address bar.
 */
export const caseNotice = $state<{ caseId: string; created: boolean }>({
	caseId: '',
	created: false
});
